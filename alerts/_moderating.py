"""Moderation in the store: load the state, apply a move of :mod:`alerts._moderation`, store it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Engine

from alerts import _moderation as mod
from alerts._access import WIDE, Viewer, load_viewer, visible_alerts
from alerts._categories import DEFAULT_CATEGORIES, Family
from alerts._context import AlertConfig, commune_categories, now_or_utc, sector_index
from alerts._hooks import fire
from alerts._perimeter import Perimeter, SectorIndex, whole_commune, widen
from alerts._reading import present, sectors_of
from community._permissions import Action, Actor
from gis import InputError
from store import transaction
from store.schema import (
    Alert,
    AlertEvent,
    AlertSector,
    Commune,
    as_utc,
)


def _events(alert: Alert, state: mod.ModerationState, start: int) -> None:
    for e in state.history[start:]:
        alert.events.append(
            AlertEvent(
                commune_id=alert.commune_id,
                move=e.move.value,
                actor_id=e.actor_id,
                at=e.at,
                from_status=e.from_status.value if e.from_status else None,
                to_status=e.to_status.value,
                detail=e.detail,
            )
        )


def _set_perimeter(alert: Alert, perimeter: Perimeter, index: SectorIndex) -> None:
    have = {s.sector_code for s in alert.sectors}
    for sid in perimeter.sector_ids:
        ref = index.sectors[sid]
        if ref.code not in have:
            alert.sectors.append(
                AlertSector(
                    sector_code=ref.code, commune_id=alert.commune_id, sector_id=sid, home=sid in perimeter.home_ids
                )
            )
    alert.perimeter = perimeter.geometry
    alert.scope = perimeter.scope.value


# ------------------------------------------------------------------ moderation
def _state(alert: Alert) -> mod.ModerationState:
    claim = None
    if alert.claim_by_id is not None and alert.claim_until is not None:
        claim = mod.Claim(alert.claim_by_id, alert.claim_name, as_utc(alert.claim_since), as_utc(alert.claim_until))  # type: ignore[arg-type]
    history = tuple(
        mod.Event(
            mod.Move(e.move),
            e.actor_id,
            as_utc(e.at),
            mod.Status(e.from_status) if e.from_status else None,
            mod.Status(e.to_status),
            e.detail,
        )
        for e in alert.events
    )
    return mod.ModerationState(
        status=mod.Status(alert.status),
        author_id=alert.author_id if alert.author_id is not None else -1,
        text=alert.text,
        original_text=alert.original_text,
        claim=claim,
        reject_reason=alert.reject_reason,
        appeal_text=alert.appeal_text,
        feedback=alert.feedback,
        history=history,
    )


def _store_state(alert: Alert, state: mod.ModerationState, now: datetime) -> list[str]:
    """Store ``state`` on ``alert``; returns the moves it adds (for the hooks, once flushed)."""
    before = len(alert.events)
    if state.status == mod.Status.PUBLISHED and alert.status != mod.Status.PUBLISHED.value:
        alert.published_at = now
    if state.status == mod.Status.CLOSED and alert.status != mod.Status.CLOSED.value:
        alert.closed_at = now
    alert.status = state.status.value
    alert.text = state.text
    alert.original_text = state.original_text
    alert.reject_reason = state.reject_reason
    alert.appeal_text = state.appeal_text
    alert.feedback = state.feedback
    alert.claim_by_id = state.claim.actor_id if state.claim else None
    alert.claim_name = state.claim.actor_name if state.claim else ""
    alert.claim_since = state.claim.since if state.claim else None
    alert.claim_until = state.claim.until if state.claim else None
    _events(alert, state, before)
    return [e.move.value for e in state.history[before:]]


def _announce(session: Any, alert: Alert, moves: list[str]) -> None:
    session.flush()
    for move in moves:
        fire(session, alert.id, move)


def moderate(
    engine: Engine,
    alert_id: int,
    actor: Actor,
    *,
    approve: bool = False,
    reject: str | None = None,
    widen_to: list[str] | None = None,
    edit_text: str | None = None,
    config: AlertConfig | None = None,
    now: datetime | None = None,
) -> dict:
    """A moderator's decision on an alert: approve, reject (with a reason), widen its perimeter, edit it.

    Referents moderate the alerts of the sectors they refer; mairie agents and admins every alert of
    their commune. Returns what the moderator is shown of the alert afterwards.
    """
    config = config or AlertConfig()
    now = now_or_utc(now)
    chosen = sum([approve, reject is not None, bool(widen_to), edit_text is not None])
    if chosen != 1:
        raise InputError(
            "Choisissez une seule décision : publier, refuser (avec un motif), élargir la diffusion ou modifier.",
            field="decision",
        )
    with transaction(engine) as session:
        viewer = load_viewer(session, actor, now, bind=True)
        if not viewer.may_moderate:
            raise InputError("Votre rôle ne permet pas de modérer les alertes.", field="actor")
        alert = session.scalar(visible_alerts(viewer).where(Alert.id == alert_id))
        if alert is None or not may_moderate(viewer, alert):
            raise InputError(
                f"Alerte n°{alert_id} introuvable (ou hors des secteurs que vous modérez).", field="alert_id"
            )
        who = participant(viewer)
        state = _state(alert)
        if approve:
            state = mod.approve(state, who, now, config.claim_ttl)
        elif reject is not None:
            state = mod.reject(state, who, reject, now, config.claim_ttl)
        elif edit_text is not None:
            state = mod.edit(state, who, edit_text, now, config.claim_ttl)
        else:
            commune = session.get(Commune, viewer.commune_id)
            assert commune is not None
            index = sector_index(session, alert.sector_set_id, commune.crs_epsg)
            current = Perimeter(
                tuple(sorted(s.sector_id for s in alert.sectors)),
                tuple(sorted(s.sector_id for s in alert.sectors if s.home)),
                alert.perimeter,  # type: ignore[arg-type]
                alert.scope,  # type: ignore[arg-type]
            )
            names = [c.strip() for c in widen_to or [] if c.strip()]
            if any(n.casefold() in {"commune", "toute-la-commune", "tout"} for n in names):
                wider = whole_commune(index, current)
            else:
                wider = widen(index, current, names)
            _set_perimeter(alert, wider, index)
            state = mod.record_widening(state, who, ", ".join(index.codes(wider.sector_ids)), now)
        _announce(session, alert, _store_state(alert, state, now))
        labels = {c.code: c.label for c in commune_categories(session, viewer.commune_id)}
        return present(alert, viewer, sectors_of(session, [alert.id])[alert.id], labels)


# The official messages (the mairie's, the gendarmerie's): moderated only by who moderates the whole commune.
OFFICIAL_CODES = frozenset(c.code for c in DEFAULT_CATEGORIES if c.family == Family.OFFICIAL)


def may_moderate(viewer: Viewer, alert: Alert) -> bool:
    """Whether ``viewer`` moderates ``alert``: the matrix's ``MODERATE_ALERTS`` over its sectors; an official
    message only with that right over the whole commune (a referent does not edit or withdraw the mairie's word).
    """
    if alert.category in OFFICIAL_CODES and viewer.right(Action.MODERATE_ALERTS) not in WIDE:
        return False
    return viewer.may(Action.MODERATE_ALERTS, {s.sector_code for s in alert.sectors})


def participant(viewer: Viewer) -> mod.Participant:
    """What an alert's history keeps of the member acting on it."""
    return mod.Participant(viewer.member_id, viewer.role, viewer.name)


def _apply(
    engine: Engine, alert_id: int, actor: Actor, now: datetime | None, move: Any, right: Action | None = None
) -> dict:
    now = now_or_utc(now)
    with transaction(engine) as session:
        viewer = load_viewer(session, actor, now, bind=True)
        alert = session.scalar(visible_alerts(viewer).where(Alert.id == alert_id))
        if alert is None:
            raise InputError(f"Alerte n°{alert_id} introuvable.", field="alert_id")
        if right is not None and not (
            may_moderate(viewer, alert)
            if right == Action.MODERATE_ALERTS
            else viewer.may(right, {s.sector_code for s in alert.sectors})
        ):
            raise InputError(f"Alerte n°{alert_id} hors des secteurs où vous pouvez agir.", field="alert_id")
        state = move(_state(alert), participant(viewer), now)
        _announce(session, alert, _store_state(alert, state, now))
        labels = {c.code: c.label for c in commune_categories(session, viewer.commune_id)}
        return present(alert, viewer, sectors_of(session, [alert.id])[alert.id], labels)


def acknowledge_alert(engine: Engine, alert_id: int, actor: Actor, *, now: datetime | None = None) -> dict:
    """The mairie or the gendarmerie takes the alert into account."""
    return _apply(engine, alert_id, actor, now, mod.acknowledge)


def close_alert(engine: Engine, alert_id: int, actor: Actor, feedback: str, *, now: datetime | None = None) -> dict:
    """Close the alert with feedback (mairie, gendarmerie, or its author)."""
    return _apply(engine, alert_id, actor, now, lambda s, a, t: mod.close(s, a, feedback, t))


def appeal_alert(engine: Engine, alert_id: int, actor: Actor, text: str, *, now: datetime | None = None) -> dict:
    """The author contests the refusal of their alert."""
    return _apply(engine, alert_id, actor, now, lambda s, a, t: mod.appeal(s, a, text, t))


def withdraw_alert(engine: Engine, alert_id: int, actor: Actor, reason: str, *, now: datetime | None = None) -> dict:
    """A moderator takes a published alert down, with a reason: it leaves every feed, its history stays.

    The reason is kept on the alert (``reject_reason``) and in its history (the ``withdraw`` event), where the
    notifications find it to tell the author. Returns what the moderator was shown of the alert.
    """
    return _apply(engine, alert_id, actor, now, lambda s, a, t: mod.withdraw(s, a, reason, t), Action.MODERATE_ALERTS)


def claim_alert(
    engine: Engine, alert_id: int, actor: Actor, *, config: AlertConfig | None = None, now: datetime | None = None
) -> dict:
    """A moderator takes the alert for the claim's time (``config.claim_ttl``): others see who holds it and
    cannot decide meanwhile. Refused while another moderator holds it, or outside the sectors they moderate."""
    ttl = (config or AlertConfig()).claim_ttl
    return _apply(engine, alert_id, actor, now, lambda s, a, t: mod.claim(s, a, t, ttl), Action.MODERATE_ALERTS)


def release_alert(engine: Engine, alert_id: int, actor: Actor, *, now: datetime | None = None) -> dict:
    """The moderator holding the alert lets go of it without deciding (nothing happens if they do not hold it)."""
    return _apply(engine, alert_id, actor, now, mod.release, Action.MODERATE_ALERTS)
