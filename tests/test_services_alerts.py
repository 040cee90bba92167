"""The alerts services, on both backends: charter gate, withdrawal, acknowledgement, appeal, broadcasts, why a feed
is empty, the operator acting for a member, and the RGPD hooks registered explicitly."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from alerts_support import BOURAY, T0, build_world, inner_point, who
from sqlalchemy import select

import services
from community import Actor, PermissionDeniedError, publish_charter, unregister
from services import ServiceError, alerts, auth, charter, gendarmerie, members
from store import bind_commune, transaction
from store.schema import Alert, AlertEvent, AuditEntry

TEXT = "Vélo volé devant le portail cette nuit."
OPERATOR = Actor.operator(label="opérateur test")


@pytest.fixture
def world(db_url, engine, shared_file):
    built = build_world(engine, shared_file)
    services.use_database(db_url)
    yield built
    services.use_database(None)
    services.reset_engine()


def _at(world, sector: str) -> dict[str, float]:
    lon, lat = inner_point(world["geoms"][(BOURAY, sector)])
    return {"lon": lon, "lat": lat}


def _post(world, email: str = "alice@a.fr", sector: str = "A1", **kw) -> alerts.Posted:
    return alerts.post(who(world["engine"], email), category="vol", text=TEXT, now=T0, **_at(world, sector), **kw)


def _ids(world, email: str) -> list[int]:
    return [a.id for a in alerts.feed(who(world["engine"], email), now=T0).alerts]


def test_no_post_without_the_current_charter_but_the_feed_is_open(world):
    first = _post(world)
    with transaction(world["engine"]) as s:
        bind_commune(s, world["bouray_id"])  # every row here is Bouray's (PostGIS: hidden until bound)
        publish_charter(s, OPERATOR, world["bouray_id"], "Charte de Bouray : des faits, pas de noms, pas de haine.")
    with pytest.raises(ServiceError) as gated:
        _post(world)
    assert gated.value.field == "charter"
    assert "charte de Bouray-sur-Juine (version 1)" in str(gated.value) and "--" not in str(gated.value)
    assert _ids(world, "alice@a.fr") == [first.alert_id]  # reading is not gated
    charter.accept(OPERATOR, BOURAY, "alice@a.fr")  # the signed paper form, recorded by the operator
    assert _post(world, confirm_new=True).created


def test_withdrawal_leaves_every_feed_keeps_the_history_and_the_reason(world):
    posted = _post(world)
    readers = ["alice@a.fr", "ref@a.fr", "mairie@a.fr"]
    assert all(posted.alert_id in _ids(world, r) for r in readers)
    with pytest.raises(ServiceError) as resident:
        alerts.withdraw(who(world["engine"], "bob@a.fr"), posted.alert_id, "Hors sujet", now=T0)
    assert resident.value.field == "alert_id"  # bob cannot even see it
    with pytest.raises(ServiceError) as no_reason:
        alerts.withdraw(who(world["engine"], "ref@a.fr"), posted.alert_id, "  ", now=T0)
    assert no_reason.value.field == "reason"
    shown = alerts.withdraw(who(world["engine"], "ref@a.fr"), posted.alert_id, "Nom d'un voisin cité", now=T0)
    assert shown.status == "withdrawn"
    assert all(posted.alert_id not in _ids(world, r) for r in readers)
    with pytest.raises(ServiceError):
        alerts.get(who(world["engine"], "alice@a.fr"), posted.alert_id, now=T0)
    with transaction(world["engine"]) as s:
        bind_commune(s, world["bouray_id"])  # every row here is Bouray's (PostGIS: hidden until bound)
        alert = s.get(Alert, posted.alert_id)
        assert alert.reject_reason == "Nom d'un voisin cité"  # for the notification to its author
        moves = s.execute(select(AlertEvent.move, AlertEvent.detail).where(AlertEvent.alert_id == alert.id)).all()
    assert ("withdraw", "Nom d'un voisin cité") in [tuple(m) for m in moves] and moves[0][0] == "submit"


def test_acknowledge_close_and_appeal(world):
    posted = _post(world)
    with pytest.raises(ServiceError):  # a resident does not acknowledge
        alerts.acknowledge(who(world["engine"], "bob@a.fr"), posted.alert_id, now=T0)
    done = alerts.acknowledge(who(world["engine"], "mairie@a.fr"), posted.alert_id, now=T0)
    assert done.status == "acknowledged"
    closed = alerts.close(who(world["engine"], "alice@a.fr"), posted.alert_id, "Vélo retrouvé.", now=T0)
    assert closed.status == "closed"
    held = _post(world, email="claire@a.fr")  # not verified: held for moderation
    assert held.status == "pending"
    alerts.moderate(who(world["engine"], "ref@a.fr"), held.alert_id, reject="Trop vague", now=T0)
    with pytest.raises(ServiceError) as empty:
        alerts.appeal(who(world["engine"], "claire@a.fr"), held.alert_id, " ", now=T0)
    assert empty.value.field == "text"
    assert alerts.appeal(who(world["engine"], "claire@a.fr"), held.alert_id, "C'était hier.", now=T0).status == (
        "appealed"
    )


def test_mairie_broadcast_reaches_the_whole_commune_or_chosen_sectors(world):
    whole = alerts.broadcast(who(world["engine"], "mairie@a.fr"), text="Coupure d'eau demain de 8 h à 12 h.", now=T0)
    assert whole.status == "published" and len(whole.sectors) == len({k for k in world["geoms"] if k[0] == BOURAY})
    assert whole.alert_id in _ids(world, "alice@a.fr") and whole.alert_id in _ids(world, "bob@a.fr")  # A1, C3
    shown = next(a for a in alerts.feed(who(world["engine"], "bob@a.fr"), now=T0).alerts if a.id == whole.alert_id)
    assert shown.location["label"] == "Toute la commune" and shown.category == "message-mairie"
    some = alerts.broadcast(who(world["engine"], "mairie@a.fr"), text="Élagage rue du Moulin.", sectors=["C3"], now=T0)
    assert some.sectors == ("C3",)
    assert some.alert_id in _ids(world, "bob@a.fr") and some.alert_id not in _ids(world, "alice@a.fr")
    with pytest.raises(ServiceError) as unknown:
        alerts.broadcast(who(world["engine"], "mairie@a.fr"), text="Message.", sectors=["Z9"], now=T0)
    assert "« Z9 »" in str(unknown.value)
    with pytest.raises(ServiceError) as resident:
        alerts.broadcast(who(world["engine"], "alice@a.fr"), text="Je diffuse.", now=T0)
    assert resident.value.field in ("category", "actor")
    gendarmerie.open_access(OPERATOR, BOURAY)
    gend = alerts.broadcast(who(world["engine"], "gend@a.fr"), text="Vigilance démarchage.", now=T0)
    assert gend.alert_id in _ids(world, "alice@a.fr")
    with transaction(world["engine"]) as s:
        bind_commune(s, world["bouray_id"])  # every row here is Bouray's (PostGIS: hidden until bound)
        assert s.get(Alert, gend.alert_id).category == "message-gendarmerie"


def test_an_empty_feed_says_why(world):
    assert "suspendu" in (alerts.feed(who(world["engine"], "susp@a.fr"), now=T0).why_empty or "")
    closed = alerts.feed(who(world["engine"], "gend@a.fr"), now=T0)
    assert closed.alerts == () and "gendarmerie" in (closed.why_empty or "") and "fermé" in (closed.why_empty or "")
    assert "pas encore vérifiée" in (alerts.feed(who(world["engine"], "claire@a.fr"), now=T0).why_empty or "")
    assert alerts.feed(who(world["engine"], "bob@a.fr"), now=T0).why_empty == "Aucune alerte pour l'instant."
    _post(world)
    assert alerts.feed(who(world["engine"], "alice@a.fr"), now=T0).why_empty is None
    with pytest.raises(ServiceError) as operator:
        alerts.feed(OPERATOR, now=T0)
    assert operator.value.field == "actor"


def test_operator_acting_for_a_member_is_audited_on_alerts(world):
    acting = auth.act_for("alice@a.fr", operator="opérateur CLI (jean)")
    posted = alerts.post(acting, category="vol", text=TEXT, now=T0, **_at(world, "A1"))
    with transaction(world["engine"]) as s:
        bind_commune(s, world["bouray_id"])  # every row here is Bouray's (PostGIS: hidden until bound)
        entry = s.scalars(
            select(AuditEntry).where(AuditEntry.object_type == "alert", AuditEntry.object_id == str(posted.alert_id))
        ).one()
        author = s.get(Alert, posted.alert_id).author_id
    assert entry.actor_id == acting.member_id == author and entry.action == "created"
    assert json.loads(entry.details)["operator"] == "opérateur CLI (jean)"
    assert entry.actor_label.startswith("opérateur CLI (jean) pour le membre")


def _operator_entries(world, alert_id: int) -> list[tuple[str, dict]]:
    with transaction(world["engine"]) as s:
        bind_commune(s, world["bouray_id"])  # every row here is Bouray's (PostGIS: hidden until bound)
        rows = s.scalars(
            select(AuditEntry).where(AuditEntry.object_type == "alert", AuditEntry.object_id == str(alert_id))
        ).all()
        return [(e.action, json.loads(e.details)) for e in rows if json.loads(e.details).get("operator")]


def test_operator_moves_are_audited_in_the_transaction_of_the_change(world):
    from alerts import on_alert_event
    from alerts._hooks import _hooks

    posted = _post(world)
    acting = auth.act_for("ref@a.fr", operator="opérateur CLI (jean)")
    alerts.withdraw(acting, posted.alert_id, "Nom d'un voisin cité", now=T0)
    assert _operator_entries(world, posted.alert_id) == [
        ("changed", {"move": "withdraw", "operator": "opérateur CLI (jean)"})
    ]
    # A change that rolls back leaves no audit row: both are in one transaction.
    second = _post(world, confirm_new=True)

    def broken(session, alert_id, move):
        raise RuntimeError("the outbox is unavailable")

    on_alert_event("zz-broken", broken)
    try:
        with pytest.raises(RuntimeError):
            alerts.withdraw(acting, second.alert_id, "Hors sujet", now=T0)
    finally:
        _hooks.pop("zz-broken")
    assert _operator_entries(world, second.alert_id) == []
    assert alerts.get(who(world["engine"], "ref@a.fr"), second.alert_id, now=T0).status == "published"
    # Outside an operator's call, the same move is not audited as the operator's.
    alerts.withdraw(who(world["engine"], "ref@a.fr"), second.alert_id, "Hors sujet", now=T0)
    assert _operator_entries(world, second.alert_id) == []


def test_export_and_delete_include_alerts_without_relying_on_an_import(world):
    posted = _post(world)
    unregister("alerts")  # as in a process where nothing registered them yet
    data = members.export(OPERATOR, BOURAY, "alice@a.fr")
    assert [a["id"] for a in data["alerts"]] == [posted.alert_id]
    unregister("alerts")
    assert members.delete(OPERATOR, BOURAY, "alice@a.fr") == {"alerts": 1}
    with transaction(world["engine"]) as s:
        bind_commune(s, world["bouray_id"])  # every row here is Bouray's (PostGIS: hidden until bound)
        assert s.get(Alert, posted.alert_id).author_id is None
    with pytest.raises(PermissionDeniedError):
        members.delete(who(world["engine"], "bob@a.fr"), BOURAY, "mairie@a.fr")


def test_suspended_member_cannot_post_and_window_matters(world):
    with pytest.raises(ServiceError) as suspended:
        _post(world, email="susp@a.fr")
    assert suspended.value.field == "actor"
    later = T0 + timedelta(days=31)
    posted = alerts.post(who(world["engine"], "susp@a.fr"), category="vol", text=TEXT, now=later, **_at(world, "A1"))
    assert posted.created


def test_a_member_learns_the_first_names_of_the_referents_of_their_sector_only(world):
    from services import referents

    assert referents.mine(who(world["engine"], "alice@a.fr")) == ["Ref"]  # « Ref » refers A1, alice's sector
    assert referents.mine(who(world["engine"], "bob@a.fr")) == []  # C3 has no referent
    assert referents.mine(who(world["engine"], "lea@lardy.fr")) == []  # the same code in another commune
    assert referents.mine(OPERATOR) == []
