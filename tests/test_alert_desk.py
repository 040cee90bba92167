"""The staff desks over alerts (services.alert_desk and the hold/release services), on both backends.

A referent's queue is the sectors they refer, whatever is asked, and they cannot act on another sector's alert
even by calling the services directly; the mairie's queue is the commune, filtered; who holds an alert is
shown and blocks the others; appeals are decided; the gendarmerie's inbox (security alerts, not yet taken into
account first) and its broadcasts close with its access; a broadcast is labelled by the area it reaches, never
by coordinates, in the feed and in the messages.
"""

from __future__ import annotations

import re

import pytest
from alerts_support import BOURAY, T0, who
from sqlalchemy import select
from test_services_alerts import _at, world

from community import Actor
from services import ServiceError, alert_desk, alerts, gendarmerie
from store import bind_commune, transaction
from store.schema import OutboxMessage

OPERATOR = Actor.operator(label="opérateur test")
COORDINATES = re.compile(r"\d+\.\d{4,}")
__all__ = ["world"]  # the fixture of the alerts services' tests: Bouray's grid and its members, both backends


def _post(world, email: str, sector: str, category: str = "vol", text: str = "Vélo volé devant le portail.") -> int:
    actor = who(world["engine"], email)
    posted = alerts.post(actor, category=category, text=text, now=T0, confirm_new=True, **_at(world, sector))
    return posted.alert_id


def _ids(items) -> list[int]:
    return [i.view.id for i in items]


def test_a_referent_moderates_the_sectors_they_refer_and_nothing_else(world):
    ref = who(world["engine"], "ref@a.fr")  # referent of A1, living in B2
    mine = _post(world, "claire@a.fr", "A1")  # not verified: held for moderation
    alerts.moderate(who(world["engine"], "mairie@a.fr"), mine, approve=True, now=T0)
    waiting_here = _post(world, "claire@a.fr", "A1", text="Portail forcé cette nuit.")
    elsewhere = alerts.post(who(world["engine"], "bob@a.fr"), category="vol", text="Scooter volé.", now=T0,
                            **_at(world, "C3")).alert_id  # fmt: skip
    queue = alert_desk.queue(ref, now=T0)
    assert waiting_here in _ids(queue) and mine in _ids(queue)
    assert elsewhere not in _ids(queue)
    assert queue[0].view.status == "pending"  # the waiting ones first
    assert alert_desk.queue(ref, sectors=["C3"], now=T0) == ()  # asking for another sector gives nothing
    assert alert_desk.queue(ref, sectors=["B2"], now=T0) == ()  # their home sector is not theirs to moderate
    for crafted in (
        lambda: alerts.moderate(ref, elsewhere, approve=True, now=T0),
        lambda: alerts.moderate(ref, elsewhere, edit_text="Autre texte.", now=T0),
        lambda: alerts.withdraw(ref, elsewhere, "Hors sujet", now=T0),
        lambda: alerts.hold(ref, elsewhere, now=T0),
        lambda: alerts.release(ref, elsewhere, now=T0),
        lambda: alerts.acknowledge(ref, elsewhere, now=T0),
        lambda: alerts.close(ref, elsewhere, "Vu.", now=T0),
    ):
        with pytest.raises(ServiceError) as refused:
            crafted()
        assert refused.value.field in ("alert_id", "actor")
    assert alerts.get(who(world["engine"], "mairie@a.fr"), elsewhere, now=T0).status == "published"
    official = alerts.broadcast(who(world["engine"], "mairie@a.fr"), text="Coupure d'eau jeudi.", now=T0).alert_id
    assert official not in _ids(alert_desk.queue(ref, now=T0))  # the mairie's word is not a referent's to moderate
    for crafted in (
        lambda: alerts.withdraw(ref, official, "Hors sujet", now=T0),
        lambda: alerts.moderate(ref, official, edit_text="Autre texte.", now=T0),
        lambda: alerts.hold(ref, official, now=T0),
    ):
        with pytest.raises(ServiceError) as refused:
            crafted()
        assert refused.value.field == "alert_id"
    assert official in _ids(alert_desk.queue(who(world["engine"], "mairie@a.fr"), now=T0))
    with pytest.raises(ServiceError) as resident:
        alert_desk.queue(who(world["engine"], "alice@a.fr"), now=T0)
    assert resident.value.field == "actor"
    with pytest.raises(ServiceError) as gend:
        alert_desk.queue(who(world["engine"], "gend@a.fr"), now=T0)
    assert gend.value.field == "actor"


def test_the_mairie_queue_covers_the_commune_with_filters(world):
    mairie = who(world["engine"], "mairie@a.fr")
    a1 = _post(world, "claire@a.fr", "A1")
    c3 = _post(world, "bob@a.fr", "C3", category="animal-perdu-trouve", text="Chat roux perdu.")
    everything = _ids(alert_desk.queue(mairie, now=T0))
    assert a1 in everything and c3 in everything
    assert _ids(alert_desk.queue(mairie, sectors=["C3"], now=T0)) == [c3]
    assert _ids(alert_desk.queue(mairie, statuses=["pending"], now=T0)) == [a1]
    assert _ids(alert_desk.queue(mairie, category="animal-perdu-trouve", now=T0)) == [c3]
    with pytest.raises(ServiceError) as bad:
        alert_desk.queue(mairie, statuses=["nimporte"], now=T0)
    assert bad.value.field == "status"


def test_who_holds_an_alert_is_shown_and_blocks_the_others(world):
    ref, mairie = who(world["engine"], "ref@a.fr"), who(world["engine"], "mairie@a.fr")
    held = _post(world, "claire@a.fr", "A1")  # posted at T0; held now (a claim is shown while it runs)
    alerts.hold(ref, held)
    seen = next(i for i in alert_desk.queue(mairie) if i.view.id == held)
    assert seen.view.held_by is not None and seen.view.held_by["name"] == "Ref" and not seen.held_by_me
    assert next(i for i in alert_desk.queue(ref) if i.view.id == held).held_by_me
    with pytest.raises(ServiceError) as busy:
        alerts.moderate(mairie, held, approve=True)
    assert "Ref" in busy.value.message
    alerts.release(mairie, held)  # not theirs: nothing happens
    with pytest.raises(ServiceError):
        alerts.moderate(mairie, held, approve=True)
    alerts.release(ref, held)
    assert alerts.moderate(mairie, held, approve=True).status == "published"


def test_an_appeal_is_decided_from_the_queue(world):
    mairie = who(world["engine"], "mairie@a.fr")
    refused = _post(world, "claire@a.fr", "A1")
    alerts.moderate(mairie, refused, reject="Trop vague", now=T0)
    alerts.appeal(who(world["engine"], "claire@a.fr"), refused, "C'était cette nuit, rue du Moulin.", now=T0)
    appeals = alert_desk.queue(mairie, statuses=["appealed"], now=T0)
    assert _ids(appeals) == [refused]
    assert appeals[0].reject_reason == "Trop vague" and "rue du Moulin" in appeals[0].appeal_text
    assert alerts.moderate(mairie, refused, approve=True, now=T0).status == "published"
    edited = _post(world, "claire@a.fr", "A1", text="Voiture rayée par un voisin.")
    alerts.moderate(mairie, edited, edit_text="Voiture rayée.", now=T0)
    item = next(i for i in alert_desk.queue(mairie, now=T0) if i.view.id == edited)
    assert item.view.text == "Voiture rayée." and item.original_text == "Voiture rayée par un voisin."


def test_the_gendarmerie_inbox_opens_and_closes_with_its_access(world):
    gend = who(world["engine"], "gend@a.fr")
    first = _post(world, "alice@a.fr", "A1")
    second = _post(world, "bob@a.fr", "C3", text="Cambriolage rue des Prés.")
    helping = _post(world, "bob@a.fr", "C3", category="demande-aide", text="Qui peut porter des courses ?")
    with pytest.raises(ServiceError) as closed:
        alert_desk.inbox(gend, now=T0)
    assert closed.value.field == "actor" and "fermé" in closed.value.message
    gendarmerie.open_access(OPERATOR, BOURAY)
    inbox = alert_desk.inbox(gend, now=T0)
    assert _ids(inbox) == [second, first] and helping not in _ids(inbox)  # security alerts only
    alerts.acknowledge(gend, second, now=T0)
    assert _ids(alert_desk.inbox(gend, now=T0)) == [first, second]  # not yet taken into account first
    alerts.close(gend, second, "Patrouille passée, individu identifié.", now=T0)
    last = alert_desk.inbox(gend, now=T0)[-1]
    assert last.view.id == second and last.view.status == "closed" and last.feedback.startswith("Patrouille")
    gend_reach = alert_desk.reach(gend, now=T0)  # a total, never the members of each sector
    assert gend_reach.members == 3 and gend_reach.sectors == () and gend_reach.label == "Toute la commune"
    posted = alerts.broadcast(gend, text="Vigilance : faux agents des eaux.", now=T0)
    assert posted.alert_id in [b.id for b in alert_desk.broadcasts(gend, now=T0)]
    gendarmerie.close_access(OPERATOR, BOURAY)
    for gone in (
        lambda: alert_desk.inbox(gend, now=T0),
        lambda: alerts.acknowledge(gend, first, now=T0),
        lambda: alerts.broadcast(gend, text="Encore un message.", now=T0),
        lambda: alert_desk.broadcasts(gend, now=T0),
        lambda: alert_desk.reach(gend, now=T0),
    ):
        with pytest.raises(ServiceError):
            gone()


def test_broadcast_reach_counts_and_past_broadcasts(world):
    mairie = who(world["engine"], "mairie@a.fr")
    whole = alert_desk.reach(mairie, now=T0)
    assert whole.label == "Toute la commune" and len(whole.sectors) == 9
    # alice (A1), bob (C3), ref (B2): verified; claire is pending and susp suspended.
    assert whole.members == 3 and dict((c, n) for c, _name, n in whole.sectors)["A1"] == 1
    some = alert_desk.reach(mairie, ["C3"], now=T0)
    assert some.members == 1 and some.label.startswith("Secteurs : ") and [c for c, *_ in some.sectors] == ["C3"]
    with pytest.raises(ServiceError) as unknown:
        alert_desk.reach(mairie, ["Z9"], now=T0)
    assert unknown.value.field == "sectors"
    with pytest.raises(ServiceError) as resident:
        alert_desk.reach(who(world["engine"], "alice@a.fr"), now=T0)
    assert resident.value.field == "actor"
    posted = alerts.broadcast(mairie, text="Coupure d'eau jeudi.", sectors=["C3"], now=T0)
    past = alert_desk.broadcasts(mairie, now=T0)
    assert [b.id for b in past] == [posted.alert_id] and past[0].reach_label == some.label


def test_a_broadcast_placed_by_a_point_is_labelled_by_the_area_it_reaches(world):
    mairie = who(world["engine"], "mairie@a.fr")
    whole = alerts.broadcast(mairie, text="Travaux sur la place.", now=T0, **_at(world, "B2"))
    some = alerts.broadcast(mairie, text="Élagage demain.", sectors=["C3"], now=T0, **_at(world, "C3"))
    for reader in ("mairie@a.fr", "bob@a.fr", "ref@a.fr"):
        shown = {a.id: a.location["label"] for a in alerts.feed(who(world["engine"], reader), now=T0).alerts}
        assert shown[whole.alert_id] == "Toute la commune", (reader, shown[whole.alert_id])
        if reader != "ref@a.fr":  # the referent lives in B2: the message to C3 is not theirs
            assert shown[some.alert_id].startswith("Secteurs : "), (reader, shown[some.alert_id])
        assert not COORDINATES.search(" ".join(shown.values()))
    with transaction(world["engine"]) as s:
        bind_commune(s, world["bouray_id"])  # the outbox rows are Bouray's
        messages = s.scalars(
            select(OutboxMessage).where(OutboxMessage.alert_id.in_([whole.alert_id, some.alert_id]))
        ).all()
        assert messages
        for m in messages:
            assert not COORDINATES.search(m.subject + m.body), m.body
            assert "Toute la commune" in m.body or "Secteurs : " in m.body
