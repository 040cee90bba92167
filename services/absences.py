"""Absences (holiday watch): a member declares when they are away; the mairie, the open gendarmerie and the one
trusted neighbour they name see it, and see alerts posted near that home during the period flagged.

Referents and other neighbours are never told who is away: nothing these functions return reaches them.
"""

from __future__ import annotations

from datetime import date, datetime

from community import AbsenceFlag, AbsenceView
from services._community import in_commune, member_of, own_member
from services._core import Actor, ServiceError

__all__ = ["AbsenceFlag", "AbsenceView", "cancel", "declare", "flags", "mine", "visible"]


def declare(
    actor: Actor, starts_on: date, ends_on: date, *, trusted_email: str | None = None, now: datetime | None = None
) -> AbsenceView:
    """Declare one's own absence from ``starts_on`` to ``ends_on`` (both included), naming an optional trusted
    neighbour (a verified member of the commune, by e-mail).

    Raises
    ------
    ServiceError
        ``field`` = ``ends_on`` (bad period), ``trusted`` / ``email`` (trusted neighbour), ``member`` (address
        not verified yet), ``actor`` (the operator has no home).
    """
    from community import declare_absence, view_absence

    with in_commune(actor, None) as (session, commune):
        member = own_member(session, actor)
        trusted = None
        if trusted_email:
            try:
                trusted = member_of(session, commune, trusted_email)
            except ServiceError as exc:
                raise ServiceError(exc.message, field="trusted") from exc
        absence = declare_absence(session, actor, member, starts_on, ends_on, trusted=trusted, now=now)
        return view_absence(absence, member)


def cancel(actor: Actor, absence_id: int) -> None:
    """Cancel one of one's own absences."""
    from community import cancel_absence

    with in_commune(actor, None) as (session, _commune):
        cancel_absence(session, actor, absence_id)


def mine(actor: Actor) -> list[AbsenceView]:
    """One's own current and coming absences."""
    from community import visible_absences

    with in_commune(actor, None) as (session, commune):
        return visible_absences(session, actor, commune.id, mine=True)


def visible(actor: Actor, *, on: date | None = None) -> list[AbsenceView]:
    """The current and coming absences ``actor`` may see: all of the commune for the mairie's agents and the open
    gendarmerie, those naming them for a trusted neighbour, none for anyone else."""
    from community import visible_absences

    with in_commune(actor, None) as (session, commune):
        return visible_absences(session, actor, commune.id, on=on)


def flags(actor: Actor, alert_ids: list[int]) -> list[AbsenceFlag]:
    """Which of ``alert_ids`` (alerts the actor was shown) lie near the home of an absent member the actor may see.

    Only alerts of the actor's commune are considered, and only for those who may see the absence; the radius is
    the setting ``absence_alert_radius_m``.
    """
    from sqlalchemy import select

    from alerts import VISIBLE_STATUSES
    from community import Action, absence_flags, allowed
    from services._config import settings
    from store.schema import Alert, AlertSector

    if not alert_ids:
        return []
    with in_commune(actor, None) as (session, commune):
        query = select(Alert.id, Alert.x_m, Alert.y_m, Alert.created_at).where(
            Alert.commune_id == commune.id, Alert.id.in_(sorted(set(alert_ids)))
        )
        if not allowed(session, actor, Action.VIEW_ABSENCES, commune_id=commune.id):
            # A trusted neighbour: only published alerts diffused to their own sector (a subset of their feed), so
            # that an alert number they were never shown tells them nothing.
            home = own_member(session, actor).sector_code
            query = query.where(
                Alert.status.in_([s.value for s in VISIBLE_STATUSES]),
                Alert.id.in_(
                    select(AlertSector.alert_id).where(
                        AlertSector.commune_id == commune.id, AlertSector.sector_code == (home or "")
                    )
                ),
            )
        rows = session.execute(query).all()
        return absence_flags(
            session,
            actor,
            commune.id,
            [(r.id, r.x_m, r.y_m, r.created_at) for r in rows],
            radius_m=settings().absence_alert_radius_m,
        )
