"""The Streamlit pages with AppTest (no browser): what each role sees, and nothing for a visitor."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from streamlit.testing.v1 import AppTest

from data.demo_accounts import DEMO_ACCOUNTS
from settings import PROJECT_ROOT

SCRIPT = str(PROJECT_ROOT / "streamlit_app.py")
RESIDENT = DEMO_ACCOUNTS[0]
TIMEOUT_S = 120


@pytest.fixture
def app_db(demo_db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    from services import reset_engine
    from settings import get_settings

    monkeypatch.setenv("VOISINAGE_DATABASE_URL", demo_db_url)
    monkeypatch.setenv("VOISINAGE_MAP_TILES", "none")
    get_settings.cache_clear()
    reset_engine()
    yield demo_db_url
    get_settings.cache_clear()
    reset_engine()


_STAFF_TOKENS: dict[str, str] = {}


def _signed_in_as(monkeypatch: pytest.MonkeyPatch, email: str, password: str) -> str:
    """Sign in through the service, and hand the token to the pages as the browser's cookie would."""
    from app_pages import _session
    from data.demo_accounts import current_code
    from services.auth import sign_in

    account = next((a for a in DEMO_ACCOUNTS if a.email == email), None)
    if account is not None and account.totp_secret:
        # A TOTP code is accepted once: one staff session per test run.
        if email not in _STAFF_TOKENS:
            _STAFF_TOKENS[email] = sign_in(email, password, current_code(account)).token
        token = _STAFF_TOKENS[email]
    else:
        token = sign_in(email, password).token
    monkeypatch.setattr(_session, "session_token", lambda: token)
    return token


def _texts(app: AppTest) -> str:
    return " ".join(
        [e.value for e in app.title]
        + [e.value for e in app.markdown]
        + [str(e.value) for e in app.warning]
        + [str(e.value) for e in app.text]
        + [str(e.proto) for e in app.get("html")]
    )


def test_visitor_sees_the_welcome_page_only(app_db):
    app = AppTest.from_file(SCRIPT, default_timeout=TIMEOUT_S).run()
    assert not app.exception
    assert "Voisinage" in _texts(app)
    assert "/auth/login" in _texts(app)
    assert "Mon secteur" not in _texts(app)


def test_visitor_cannot_reach_a_member_page(app_db):
    app = AppTest.from_file(str(PROJECT_ROOT / "app_pages" / "mon_secteur.py"), default_timeout=TIMEOUT_S).run()
    assert not app.exception
    assert "pas connecté" in _texts(app)


def test_resident_sees_their_sector(app_db, monkeypatch):
    _signed_in_as(monkeypatch, RESIDENT.email, RESIDENT.password)
    app = AppTest.from_file(SCRIPT, default_timeout=TIMEOUT_S).run()
    assert not app.exception
    texts = _texts(app)
    assert "Mon secteur — Commune de démonstration" in texts
    assert "Votre secteur : Secteur" in texts
    assert "Vos référents : " in texts or "Votre secteur n'a pas encore de référent." in texts


def test_revoked_session_shows_nothing(app_db, monkeypatch):
    from services.auth import sign_out

    token = _signed_in_as(monkeypatch, RESIDENT.email, RESIDENT.password)
    sign_out(token)
    app = AppTest.from_file(SCRIPT, default_timeout=TIMEOUT_S).run()
    assert not app.exception
    assert "Mon secteur" not in _texts(app)


def test_account_page_links_to_sign_out(app_db, monkeypatch):
    _signed_in_as(monkeypatch, RESIDENT.email, RESIDENT.password)
    app = AppTest.from_file(str(PROJECT_ROOT / "app_pages" / "compte.py"), default_timeout=TIMEOUT_S).run()
    assert not app.exception
    assert "/auth/logout" in _texts(app)


def test_password_reset_token_sets_a_new_password(app_db):
    from services.auth import request_password_reset, sign_in
    from services.members import accept_invitation

    assert request_password_reset("personne@example.org") is None
    account = DEMO_ACCOUNTS[1]
    token = request_password_reset(account.email)
    assert token
    accept_invitation(token, "Peuplier-Orsay-2027")
    assert sign_in(account.email, "Peuplier-Orsay-2027").token
    accept_invitation(request_password_reset(account.email) or "", account.password)  # back, for other tests


REFERENT = next(a for a in DEMO_ACCOUNTS if a.role.value == "referent")
PAGES = PROJECT_ROOT / "app_pages"


def test_pages_by_role():
    from app_pages._nav import page_list
    from services import Actor
    from store.schema import Role

    def titles(role: Role) -> list[str]:
        return [title for _file, title in page_list(Actor(role=role, member_id=1, commune_id=1))]

    assert titles(Role.RESIDENT) == ["Mon secteur", "Signaler", "Absence", "Entraide", "Statistiques", "Mon compte"]
    assert "Modération" in titles(Role.REFERENT) and "Modération" not in titles(Role.RESIDENT)
    assert "Inscriptions à vérifier" in titles(Role.REFERENT)
    assert "Inscriptions à vérifier" not in titles(Role.MAIRIE_AGENT)  # the mairie verifies in « Membres »
    assert "Membres" in titles(Role.MAIRIE_AGENT)
    assert "Inscriptions à vérifier" not in titles(Role.GENDARMERIE)
    assert page_list(None) == [("accueil.py", "Accueil"), ("inscription.py", "Inscription")]


def test_staff_navigation_follows_the_issue_order():
    """Issue 12: mairie « Secteurs », « Membres », « Modération », « Diffusion », « Tableau de bord »,
    « Statistiques »; gendarmerie « Carte de chaleur », « Alertes reçues », « Statistiques » (other pages may sit
    between them, never out of order)."""
    from app_pages._nav import page_list
    from services import Actor
    from store.schema import Role

    every = frozenset({"view_stats", "edit_sectors", "broadcast", "handle_alerts"})

    def titles(role: Role) -> list[str]:
        return [title for _file, title in page_list(Actor(role=role, member_id=1, commune_id=1), every)]

    for role, wanted in [
        (Role.MAIRIE_ADMIN, ["Secteurs", "Membres", "Modération", "Diffusion", "Tableau de bord", "Statistiques"]),
        (Role.GENDARMERIE, ["Carte de chaleur", "Alertes reçues", "Statistiques"]),
    ]:
        shown = titles(role)
        assert [t for t in shown if t in wanted] == wanted, shown


def test_referent_verifies_a_pending_sign_up_of_their_sector(app_db, monkeypatch):
    from services import Actor
    from services.maps import commune_map
    from services.members import list_members, register

    _signed_in_as(monkeypatch, REFERENT.email, REFERENT.password)
    from app_pages._session import signed_in

    referent = signed_in()
    assert referent is not None
    home = next(s for s in commune_map(referent).sectors if s.code in referent.referent_sectors)
    point = home.geometry.representative_point()
    register(
        Actor.operator(), "91999", email="nouveau@demo.voisinage.fr", name="<b>Nouveau</b>", role="resident",
        lon=point.x, lat=point.y,
    )  # fmt: skip
    app = AppTest.from_file(str(PAGES / "verifications.py"), default_timeout=TIMEOUT_S).run()
    assert not app.exception
    assert any("<b>Nouveau</b>" in t.value for t in app.text)  # shown as typed, as plain text
    app.button(key=next(b.key for b in app.button if b.key.startswith("verify-"))).click().run()
    assert not app.exception
    statuses = {m.email: m.status for m in list_members(referent)}
    assert statuses["nouveau@demo.voisinage.fr"] == "verified"


def test_resident_is_refused_the_verification_page(app_db, monkeypatch):
    _signed_in_as(monkeypatch, RESIDENT.email, RESIDENT.password)
    app = AppTest.from_file(str(PAGES / "verifications.py"), default_timeout=TIMEOUT_S).run()
    assert not app.exception
    assert app.error and not app.button


def test_account_page_shows_the_charter_and_exports(app_db, monkeypatch):
    _signed_in_as(monkeypatch, RESIDENT.email, RESIDENT.password)
    app = AppTest.from_file(str(PAGES / "compte.py"), default_timeout=TIMEOUT_S).run()
    assert not app.exception
    app.button(key="export").click().run()
    assert not app.exception
    assert not app.error


def test_resident_declares_and_cancels_an_absence(app_db, monkeypatch):
    from services import absences

    _signed_in_as(monkeypatch, RESIDENT.email, RESIDENT.password)
    app = AppTest.from_file(str(PAGES / "absence.py"), default_timeout=TIMEOUT_S).run()
    assert not app.exception
    app.button[0].click().run()  # the form's submit button, with the default period (tomorrow, one week)
    assert not app.exception and not app.error
    from app_pages._session import signed_in

    actor = signed_in()
    assert actor is not None
    assert len(absences.mine(actor)) == 1
    app.button(key=f"cancel-{absences.mine(actor)[0].id}").click().run()
    assert not app.exception
    assert absences.mine(actor) == []


def test_signaler_puts_emergency_numbers_first_and_explains_a_missing_place(app_db, monkeypatch):
    _signed_in_as(monkeypatch, RESIDENT.email, RESIDENT.password)
    app = AppTest.from_file(str(PAGES / "signaler.py"), default_timeout=TIMEOUT_S).run()
    assert not app.exception
    assert "Appelez le 17" in app.error[0].value  # before anything else
    app.text_area[0].input("Une voiture tourne depuis une heure dans la rue, vitres teintées.")
    app.button[0].click().run()  # Publier, with no place chosen
    assert not app.exception
    assert app.error[-1].value  # a French explanation, no traceback


def test_referent_approves_a_pending_alert_of_their_sector(app_db, monkeypatch):
    from services import Actor, alerts, charter, unit_of_work
    from services.auth import act_for
    from services.members import register
    from store.schema import Member

    referent_actor = act_for(REFERENT.email, operator="tests")
    with unit_of_work() as session:
        home = session.query(Member).filter_by(email="voisine@demo.voisinage.fr").one()
        lon, lat = home.lon, home.lat
    # A member whose address is not verified yet: their alerts wait for a moderator.
    register(Actor.operator(), "91999", email="pas.encore@demo.voisinage.fr", name="Sam", role="resident",
             lon=lon, lat=lat)  # fmt: skip
    author = act_for("pas.encore@demo.voisinage.fr", operator="tests")
    charter.accept(author)  # the demo commune publishes a charter: accepted before posting
    posted = alerts.post(
        author, category="degradation", text="Boîte aux lettres arrachée cette nuit devant le 3.", lon=lon, lat=lat
    )
    assert posted.status == "pending"
    _signed_in_as(monkeypatch, REFERENT.email, REFERENT.password)
    app = AppTest.from_file(str(PAGES / "moderation.py"), default_timeout=TIMEOUT_S).run()
    assert not app.exception
    assert any("Boîte aux lettres arrachée" in t.value for t in app.text)
    app.button(key=f"approve-{posted.alert_id}").click().run()
    assert not app.exception
    assert alerts.get(referent_actor, posted.alert_id).status == "published"


def test_resident_is_refused_moderation(app_db, monkeypatch):
    _signed_in_as(monkeypatch, RESIDENT.email, RESIDENT.password)
    app = AppTest.from_file(str(PAGES / "moderation.py"), default_timeout=TIMEOUT_S).run()
    assert not app.exception
    assert "ne permet pas de modérer" in app.error[0].value
    assert not app.button
