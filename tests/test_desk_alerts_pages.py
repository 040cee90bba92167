"""« Modération », « Diffusion » and « Alertes reçues » with AppTest, by role, on a copy of the demo database."""

from __future__ import annotations

import pytest
from test_staff_pages import ADMIN, AGENT, GENDARMERIE, RESIDENT, _actor, _page, _signed_in_as, account, fresh_db

from data.demo_accounts import DemoAccount
from services import Actor
from store.schema import Role

REFERENT = account(Role.REFERENT)
__all__ = ["fresh_db"]  # the fixture, shared with the staff pages' tests
STATUS_ORDER = ["published", "acknowledged", "closed"]  # the inbox: not yet taken into account first
PAYLOAD = '<img src=x onerror="window.__pwned=1"> **gras** [lien](javascript:alert(1))'


def _titles(role: Role, granted: frozenset[str] = frozenset()) -> list[str]:
    from app_pages._nav import page_list

    return [t for _f, t in page_list(Actor(role=role, member_id=1, commune_id=1), granted)]


def test_the_navigation_by_role():
    every = frozenset({"view_stats", "edit_sectors", "handle_alerts", "broadcast"})
    issue = ["Carte de chaleur", "Alertes reçues", "Statistiques"]  # the gendarmerie's pages named by the issue
    assert [t for t in _titles(Role.GENDARMERIE, every) if t in issue] == issue
    assert "Alertes reçues" not in _titles(Role.GENDARMERIE, frozenset({"view_stats"}))
    assert "Diffusion" in _titles(Role.MAIRIE_AGENT, every) and "Diffusion" in _titles(Role.MAIRIE_ADMIN, every)
    assert "Alertes reçues" not in _titles(Role.MAIRIE_ADMIN, every)
    for role in (Role.RESIDENT, Role.REFERENT):
        assert not {"Diffusion", "Alertes reçues"} & set(_titles(role, every))
    assert "Modération" in _titles(Role.REFERENT) and "Modération" not in _titles(Role.GENDARMERIE, every)


def _pending_alert() -> int:
    """An alert of the demo's first sector, held for moderation (its author is not verified yet)."""
    from services import alerts, charter, unit_of_work
    from services.auth import act_for
    from services.members import register
    from store.schema import Member

    with unit_of_work() as session:
        home = session.query(Member).filter_by(email=REFERENT.email).one()
        referent_sector = sorted(a.sector_code for a in home.referent_assignments if a.ended_at is None)[0]
        neighbour = session.query(Member).filter_by(sector_code=referent_sector, role=Role.RESIDENT).first()
        lon, lat = neighbour.lon, neighbour.lat
    register(Actor.operator(), "91999", email="attente@demo.voisinage.fr", name="Sam", role="resident",
             lon=lon, lat=lat)  # fmt: skip
    author = act_for("attente@demo.voisinage.fr", operator="tests")
    charter.accept(author)  # the demo commune publishes a charter: accepted before posting
    posted = alerts.post(author, category="degradation", text=f"Boîte aux lettres arrachée {PAYLOAD}", lon=lon, lat=lat)
    assert posted.status == "pending"
    return posted.alert_id


def _no_payload_outside_text(app) -> None:
    """User text only in st.text elements: never in Markdown, captions or HTML."""
    for element in [*app.markdown, *app.caption, *app.get("html")]:
        assert "onerror" not in str(getattr(element, "value", element.proto))


def test_mairie_moderates_the_commune_with_filters(fresh_db, monkeypatch):
    from services import alerts

    waiting = _pending_alert()
    _signed_in_as(monkeypatch, AGENT.email, AGENT.password)
    app = _page("moderation.py")
    assert not app.exception, app.exception
    assert not app.error, [e.value for e in app.error]
    assert any("Boîte aux lettres arrachée" in t.value for t in app.text)
    _no_payload_outside_text(app)
    assert app.multiselect(key="mod-sectors") is not None and app.selectbox(key="mod-category") is not None
    app.multiselect(key="mod-statuses").set_value(["closed"]).run()
    assert not any("Boîte aux lettres arrachée" in t.value for t in app.text)
    app.multiselect(key="mod-statuses").set_value(["pending"]).run()
    app.button(key=f"hold-{waiting}").click().run()
    assert not app.exception
    assert any("Pris en main par vous" in t.value for t in app.text)
    app.button(key=f"release-{waiting}").click().run()
    assert any(b.key == f"hold-{waiting}" for b in app.button)
    app.button(key=f"reject-{waiting}").click().run()  # no reason: refused, in French
    assert any("motif" in e.value for e in app.error)
    app.text_input(key=f"reason-{waiting}").set_value("Pas assez précis")
    app.button(key=f"reject-{waiting}").click().run()
    assert not app.exception
    assert alerts.get(_actor(), waiting).status == "rejected"


def test_referent_keeps_their_sector_queue(fresh_db, monkeypatch):
    waiting = _pending_alert()
    _signed_in_as(monkeypatch, REFERENT.email, REFERENT.password)
    app = _page("moderation.py")
    assert not app.exception, app.exception
    assert any("Vos secteurs" in c.value for c in app.caption)
    with pytest.raises(KeyError):
        app.multiselect(key="mod-sectors")  # no commune-wide filter
    assert app.button(key=f"approve-{waiting}") is not None
    from services import alert_desk

    actor = _actor()
    queue = alert_desk.queue(actor)
    assert queue and all(set(i.view.sectors) & actor.referent_sectors for i in queue)
    shown = [t.value for t in app.text if t.value.startswith("n°")]
    assert len(shown) == len(queue)


@pytest.mark.parametrize("who", [RESIDENT, GENDARMERIE])
def test_moderation_refused_to_others(fresh_db, monkeypatch, who: DemoAccount):
    _signed_in_as(monkeypatch, who.email, who.password)
    app = _page("moderation.py")
    assert not app.exception
    assert "ne permet pas de modérer" in app.error[0].value
    assert not app.button


def test_mairie_broadcasts_with_its_reach(fresh_db, monkeypatch):
    from services import alert_desk

    _signed_in_as(monkeypatch, ADMIN.email, ADMIN.password)
    app = _page("diffusion.py")
    assert not app.exception, app.exception
    assert not app.error, [e.value for e in app.error]
    whole = alert_desk.reach(_actor())
    assert app.metric[0].value == str(whole.members) and whole.members > 0
    assert "Destinataires : Toute la commune" in [t.value for t in app.text]
    code = whole.sectors[0][0]
    app.multiselect(key="broadcast-sectors").set_value([code]).run()
    one = alert_desk.reach(_actor(), [code])
    assert app.metric[0].value == str(one.members) and one.members < whole.members
    app.text_area(key="broadcast-text").set_value(f"Coupure d'eau jeudi {PAYLOAD}")
    app.button[0].click().run()  # « Diffuser »
    assert not app.exception and not app.error, [e.value for e in app.error]
    assert any("diffusé" in s.value for s in app.success)
    past = alert_desk.broadcasts(_actor())
    assert past[0].reach_label == one.label and past[0].reach_label.startswith("Secteurs : ")
    assert any(one.label in t.value and f"n°{past[0].id}" in t.value for t in app.text)
    _no_payload_outside_text(app)
    app.run()
    app.button[0].click().run()  # an empty message is refused in French
    assert app.error and len(alert_desk.broadcasts(_actor())) == len(past)


@pytest.mark.parametrize("who", [RESIDENT, REFERENT, GENDARMERIE])
def test_diffusion_refused_to_others(fresh_db, monkeypatch, who: DemoAccount):
    _signed_in_as(monkeypatch, who.email, who.password)
    app = _page("diffusion.py")
    assert not app.exception
    assert any("pas accessible" in e.value for e in app.error)
    assert not app.button and not app.metric


@pytest.mark.parametrize("who", [RESIDENT, REFERENT, AGENT, ADMIN])
def test_received_alerts_are_the_gendarmerie_s_only(fresh_db, monkeypatch, who: DemoAccount):
    _signed_in_as(monkeypatch, who.email, who.password)
    app = _page("alertes_recues.py")
    assert not app.exception
    assert any("pas accessible" in e.value for e in app.error)
    assert not app.button


def test_gendarmerie_acknowledges_gives_feedback_and_loses_the_page_when_access_closes(fresh_db, monkeypatch):
    from services import alert_desk, alerts, gendarmerie

    _signed_in_as(monkeypatch, GENDARMERIE.email, GENDARMERIE.password)
    actor = _actor()
    admin = Actor(role=Role.MAIRIE_ADMIN, commune_id=actor.commune_id)
    closed = _page("alertes_recues.py")
    assert any("pas accessible" in e.value for e in closed.error)  # closed by default
    gendarmerie.open_access(admin, None, reason="convention")
    app = _page("alertes_recues.py")
    assert not app.exception, app.exception
    assert not app.error, [e.value for e in app.error]
    inbox = alert_desk.inbox(actor)
    first = next(i.view.id for i in inbox if i.view.status == "published")
    app.button(key=f"ack-{first}").click().run()
    assert not app.exception and not app.error, [e.value for e in app.error]
    assert alerts.get(actor, first).status == "acknowledged"
    app.text_input(key=f"feedback-{first}").set_value("Patrouille passée ce soir.")
    app.button(key=f"close-{first}").click().run()
    assert not app.exception and not app.error, [e.value for e in app.error]
    assert alerts.get(actor, first).status == "closed"
    after = alert_desk.inbox(actor)
    assert [i.view.status for i in after] == sorted((i.view.status for i in after), key=STATUS_ORDER.index)
    assert any("Retour : Patrouille passée ce soir." in t.value for t in app.text)
    gendarmerie.close_access(admin, None, reason="fin")
    app.run()  # the page already open refuses at its next run
    assert any("pas accessible" in e.value for e in app.error)
    assert not app.button and not any("Patrouille" in t.value for t in app.text)
