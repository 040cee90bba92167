"""The resident's pages with AppTest, by role: « Entraide » (stream, post, « je peux aider »), the notification
choices of « Mon compte », the unread badge, the referent's « Carte de mes secteurs »."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest
from test_app_pages import PAGES, TIMEOUT_S, _texts
from test_staff_pages import _signed_in_as, account, fresh_db  # noqa: F401  (fresh_db: a fixture)

from data.demo_accounts import DEMO_ACCOUNTS
from store.schema import Role

RESIDENT, OTHER = account(Role.RESIDENT), account(Role.RESIDENT, 1)  # sectors 0 and 1
REFERENT, AGENT = account(Role.REFERENT), account(Role.MAIRIE_AGENT)
NEIGHBOUR = next(a for a in DEMO_ACCOUNTS if a.email == "voisine@demo.voisinage.fr")  # sector 0
CAT = "Chat tigré trouvé près de l'école"  # the referent's solidarity post, sector 0 (data/demo_accounts.py)
SHOPPING = "porter des courses samedi matin"  # the sector-1 resident's request


def _page(name: str) -> AppTest:
    return AppTest.from_file(str(PAGES / name), default_timeout=TIMEOUT_S).run()


def _actor(email: str):
    from services.auth import member_actor

    return member_actor(email)


@pytest.mark.usefixtures("fresh_db")
def test_entraide_shows_the_solidarity_posts_of_my_sector_only(monkeypatch):
    _signed_in_as(monkeypatch, RESIDENT.email, RESIDENT.password)
    app = _page("entraide.py")
    assert not app.exception, app.exception
    texts = _texts(app)
    assert CAT in texts
    assert SHOPPING not in texts  # sector 1's request
    assert "Camionnette blanche" not in texts  # a security alert of my sector: not in the stream
    _signed_in_as(monkeypatch, OTHER.email, OTHER.password)
    other = _page("entraide.py")
    assert SHOPPING in _texts(other) and CAT not in _texts(other)


@pytest.mark.usefixtures("fresh_db")
def test_i_can_help_reaches_the_author_and_nobody_else(monkeypatch):
    from services import notify, solidarity

    helper = _actor(RESIDENT.email)
    cat = next(p for p in solidarity.stream(helper).posts if CAT in p.text)
    _signed_in_as(monkeypatch, RESIDENT.email, RESIDENT.password)
    app = _page("entraide.py")
    app.text_area(key=f"help-text-{cat.id}").input("Je crois que c'est le chat des voisins du 12, je peux passer.")
    app.checkbox(key=f"help-sign-{cat.id}").check()
    form_submit = next(b for b in app.button if b.label == "Envoyer à l'auteur")
    form_submit.click().run()
    assert not app.exception, app.exception
    assert not app.error, [e.value for e in app.error]
    assert any("à lui seul" in str(s.value) for s in app.success)
    # The author (the referent) reads it on their own « Entraide » page, signed « Camille »; nobody else has it.
    author = notify.inbox(_actor(REFERENT.email), ("help_offer",))
    assert len(author) == 1 and "Camille" in author[0].body and "chat des voisins" in author[0].body
    for other in (NEIGHBOUR, OTHER, AGENT, RESIDENT):
        assert notify.inbox(_actor(other.email), ("help_offer",)) == ()
    _signed_in_as(monkeypatch, REFERENT.email, REFERENT.password)
    mine = _page("entraide.py")
    assert "Propositions d'aide reçues (1)" in [h.value for h in mine.header]
    assert "chat des voisins du 12" in _texts(mine)
    # The helper's page now says they offered, and offers no second form for that post.
    _signed_in_as(monkeypatch, RESIDENT.email, RESIDENT.password)
    again = _page("entraide.py")
    assert any("Vous avez proposé votre aide" in str(s.value) for s in again.success)
    with pytest.raises(KeyError):
        again.text_area(key=f"help-text-{cat.id}")


@pytest.mark.usefixtures("fresh_db")
def test_a_solidarity_post_from_the_page_appears_in_the_stream(monkeypatch):
    _signed_in_as(monkeypatch, NEIGHBOUR.email, NEIGHBOUR.password)
    app = _page("entraide.py")
    app.selectbox[0].set_value(next(o for o in app.selectbox[0].options if "Objet perdu" in o))
    app.text_area[0].input("Trouvé un trousseau de clés avec un porte-clés bleu sur le banc du square.")
    next(b for b in app.button if b.label == "Publier").click().run()
    assert not app.exception, app.exception
    assert not app.error, [e.value for e in app.error]
    assert app.success
    again = _page("entraide.py")
    assert "trousseau de clés" in _texts(again)


@pytest.mark.usefixtures("fresh_db")
def test_entraide_text_is_shown_as_typed_never_as_markup(monkeypatch):
    from services import solidarity

    payload = "<img src=x onerror=window.__pwned=1> **gras** [lien](javascript:alert(1))"
    posted = solidarity.post(_actor(NEIGHBOUR.email), category="demande-aide", text=f"Aide svp {payload}")
    assert posted.alert_id
    _signed_in_as(monkeypatch, RESIDENT.email, RESIDENT.password)
    app = _page("entraide.py")
    assert any(payload in t.value for t in app.text)  # st.text: plain text
    assert not any(payload in m.value for m in app.markdown)


@pytest.mark.usefixtures("fresh_db")
def test_account_page_changes_notification_choices(monkeypatch):
    from services import notify

    _signed_in_as(monkeypatch, RESIDENT.email, RESIDENT.password)
    app = _page("compte.py")
    assert not app.exception, app.exception
    assert "Mes notifications" in [h.value for h in app.header]
    save = next(b for b in app.button if b.label == "Enregistrer mes choix")
    app.toggle[1].set_value(True)  # SMS, without a number
    save.click().run()
    assert any("numéro" in e.value.lower() for e in app.error)
    assert notify.own_channels(_actor(RESIDENT.email)).sms_on is False
    app.text_input[0].set_value("06 12 34 56 78")
    app.text_input(key="quiet-hours").set_value("22:00-07:00")
    app.toggle[0].set_value(False)  # no e-mail
    next(b for b in app.button if b.label == "Enregistrer mes choix").click().run()
    assert not app.exception and not app.error, [e.value for e in app.error]
    chosen = notify.own_channels(_actor(RESIDENT.email))
    assert (chosen.phone, chosen.sms_on, chosen.email_on, chosen.quiet) == ("+33612345678", True, False, "22:00-07:00")
    app.text_input(key="quiet-hours").set_value("minuit")
    next(b for b in app.button if b.label == "Enregistrer mes choix").click().run()
    assert any("Heures calmes invalides" in e.value for e in app.error)


def test_account_page_url_path_stays_compte():
    from app_pages._nav import page_list
    from services import Actor

    for role in Role:
        files = [f for f, _t in page_list(Actor(role=role, member_id=1, commune_id=1), frozenset({"view_stats"}))]
        assert "compte.py" in files  # st.Page derives the URL path « /compte » from the file name


def _sidebar(app: AppTest) -> str:
    return " ".join(str(e.value) for e in app.sidebar.markdown)


@pytest.mark.usefixtures("fresh_db")
def test_unread_badge_counts_a_publication_of_my_sector_and_the_visit_marks_it_read(monkeypatch):
    from test_app_pages import SCRIPT

    from services import alerts, unit_of_work
    from store.schema import Member

    author = _actor(NEIGHBOUR.email)
    with unit_of_work() as session:
        home = session.query(Member).filter_by(email=NEIGHBOUR.email).one()
        lon, lat = home.lon, home.lat
    for reader in (OTHER, RESIDENT):
        _signed_in_as(monkeypatch, reader.email, reader.password)
        first = AppTest.from_file(SCRIPT, default_timeout=TIMEOUT_S).run()  # a visit of « Mon secteur »: all read
        assert not first.exception, first.exception
        first.run()
        assert "Aucun nouveau message" in _sidebar(first)
    text = "Panneau de signalisation tordu au carrefour."
    alerts.post(author, category="degradation", text=text, lon=lon, lat=lat, confirm_new=True)
    _signed_in_as(monkeypatch, OTHER.email, OTHER.password)
    other = AppTest.from_file(SCRIPT, default_timeout=TIMEOUT_S).run()
    assert "Aucun nouveau message" in _sidebar(other)  # sector 1: nothing reached them
    _signed_in_as(monkeypatch, RESIDENT.email, RESIDENT.password)
    app = AppTest.from_file(SCRIPT, default_timeout=TIMEOUT_S).run()
    assert "1 nouveau message" in _sidebar(app)  # drawn before the page marks it read
    assert "Panneau de signalisation tordu" in _texts(app)
    app.run()
    assert "Aucun nouveau message" in _sidebar(app)


def test_badge_text_has_no_user_text():
    from app_pages._live import badge_text

    assert badge_text(0) == "Aucun nouveau message"
    assert badge_text(1) == "1 nouveau message" and badge_text(7) == "7 nouveaux messages"


@pytest.mark.usefixtures("fresh_db")
def test_referent_sees_the_exact_points_of_their_sectors_and_a_resident_is_refused(monkeypatch):
    from app_pages._nav import page_list
    from services import Actor
    from services.maps import moderated_sectors_map

    assert "Carte de mes secteurs" in [t for _f, t in page_list(Actor(role=Role.REFERENT, member_id=1, commune_id=1))]
    for role in (Role.RESIDENT, Role.GENDARMERIE, Role.MAIRIE_AGENT):
        assert "Carte de mes secteurs" not in [t for _f, t in page_list(Actor(role=role, member_id=1, commune_id=1))]
    _signed_in_as(monkeypatch, REFERENT.email, REFERENT.password)
    app = _page("carte_secteurs.py")
    assert not app.exception, app.exception
    assert not app.error, [e.value for e in app.error]
    expected = moderated_sectors_map(_actor(REFERENT.email)).points
    assert expected  # the demo has alerts in the referent's sector
    assert f"Alertes à leur position exacte ({len(expected)})" in [h.value for h in app.subheader]
    assert "Camionnette blanche" in _texts(app)
    _signed_in_as(monkeypatch, RESIDENT.email, RESIDENT.password)
    refused = _page("carte_secteurs.py")
    assert not refused.exception
    assert refused.error and "Alertes à leur position exacte" not in [h.value for h in refused.subheader]
