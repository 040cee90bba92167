"""Sanctions: warning, suspension until a date, exclusion. History is kept (nothing is deleted).

:func:`can_post` and :func:`can_receive` are what the alerts and notification code ask before letting a
member post, or before sending them anything.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.orm import Session

from community._audit import record
from community._events import fire
from community._permissions import Action, Actor, require
from gis import InputError
from store.schema import Member, MemberStatus, Sanction, SanctionKind, as_utc, utcnow

_NEVER = datetime.max.replace(tzinfo=UTC)


def active_suspension(member: Member, now: datetime | None = None) -> Sanction | None:
    """The suspension in force at ``now`` (the one ending last), or None."""
    now = now or utcnow()
    # A suspension always has an end (ck_sanctions_suspension_end): the datetime.max fallback only satisfies types.
    current = [
        s
        for s in member.sanctions
        if s.kind == SanctionKind.SUSPENSION
        and s.lifted_at is None
        and as_utc(s.starts_at) <= now < as_utc(s.ends_at or _NEVER)
    ]
    return max(current, key=lambda s: as_utc(s.ends_at or _NEVER), default=None)


def is_active(member: Member, now: datetime | None = None) -> bool:
    """Verified, not excluded, not deleted, not suspended at ``now``."""
    return member.status == MemberStatus.VERIFIED and active_suspension(member, now) is None


def can_post(member: Member, now: datetime | None = None) -> bool:
    """Whether ``member`` may post (alerts, messages) at ``now``: verified and not suspended or excluded."""
    return is_active(member, now)


def can_receive(member: Member, now: datetime | None = None) -> bool:
    """Whether anything may be sent to ``member`` at ``now`` (same rule as posting: a suspension stops both)."""
    return is_active(member, now) and member.email is not None


def display_status(member: Member, now: datetime | None = None) -> str:
    """``pending``, ``verified``, ``suspended``, ``refused``, ``excluded`` or ``deleted``."""
    if member.status == MemberStatus.VERIFIED and active_suspension(member, now) is not None:
        return "suspended"
    return str(member.status)


def _sanction(
    session: Session,
    actor: Actor,
    member: Member,
    kind: SanctionKind,
    action: Action,
    reason: str,
    ends_at: datetime | None,
    now: datetime | None,
) -> Sanction:
    require(actor, action, commune_id=member.commune_id, sector_code=member.sector_code)
    reason = " ".join((reason or "").split())
    if not reason:
        raise InputError("Indiquez le motif de la sanction : il est communiqué au membre.", field="reason")
    if member.status in (MemberStatus.DELETED, MemberStatus.EXCLUDED):
        raise InputError(f"Ce compte est déjà fermé (statut : {member.status}).", field="email")
    now = now or utcnow()
    sanction = Sanction(
        member_id=member.id,
        kind=kind,
        reason=reason[:1000],
        starts_at=now,
        ends_at=ends_at,
        created_by_id=actor.member_id,
    )
    member.sanctions.append(sanction)
    session.flush()
    record(
        session,
        actor,
        "created",
        "sanction",
        sanction.id,
        commune_id=member.commune_id,
        at=now,
        member=member.id,
        kind=str(kind),
        ends_at=ends_at.isoformat() if ends_at else None,
    )
    fire(session, member, str(kind), reason=sanction.reason, ends_at=ends_at)
    return sanction


def warn(session: Session, actor: Actor, member: Member, *, reason: str, now: datetime | None = None) -> Sanction:
    """A warning: recorded, no effect on rights."""
    return _sanction(session, actor, member, SanctionKind.WARNING, Action.WARN_MEMBER, reason, None, now)


def suspend(
    session: Session, actor: Actor, member: Member, *, until: datetime, reason: str, now: datetime | None = None
) -> Sanction:
    """Suspend ``member`` until ``until``: meanwhile they can neither post nor receive."""
    now = now or utcnow()
    until = as_utc(until)
    if until <= now:
        raise InputError("La date de fin de suspension doit être dans le futur.", field="until")
    sanction = _sanction(session, actor, member, SanctionKind.SUSPENSION, Action.SUSPEND_MEMBER, reason, until, now)
    return sanction


def exclude(session: Session, actor: Actor, member: Member, *, reason: str, now: datetime | None = None) -> Sanction:
    """Exclude ``member`` for good: the account is closed (its data stays until deleted)."""
    sanction = _sanction(session, actor, member, SanctionKind.EXCLUSION, Action.EXCLUDE_MEMBER, reason, None, now)
    member.status = MemberStatus.EXCLUDED
    member.updated_at = now or utcnow()
    for assignment in member.referent_assignments:
        if assignment.ended_at is None:
            assignment.ended_at = now or utcnow()
    return sanction


def lift(session: Session, actor: Actor, sanction: Sanction, *, now: datetime | None = None) -> Sanction:
    """End a suspension early (the record stays, with who lifted it and when)."""
    member = sanction.member
    require(actor, Action.LIFT_SANCTION, commune_id=member.commune_id, sector_code=member.sector_code)
    if sanction.kind != SanctionKind.SUSPENSION or sanction.lifted_at is not None:
        raise InputError("Seule une suspension en cours peut être levée.", field="sanction")
    now = now or utcnow()
    sanction.lifted_at = now
    sanction.lifted_by_id = actor.member_id
    record(session, actor, "changed", "sanction", sanction.id, commune_id=member.commune_id, at=now, lifted=True)
    return sanction
