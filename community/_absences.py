"""Absences (holiday watch): declared by a member for their own home, seen only by the mairie's agents, by the
gendarmerie while its access is open, and by the one trusted neighbour the member names.

An alert whose exact point lies within ``radius_m`` of an absent member's home during the period is flagged,
to those who may see that absence only: referents and other neighbours never learn who is away (nothing they
receive changes with an absence; a test compares their feeds with and without one).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from community._audit import record
from community._authorize import allowed, authorize
from community._permissions import Action, Actor
from gis import InputError, transform_xy
from store.schema import Absence, Commune, Member, MemberStatus, utcnow

# Longest absence one declaration covers (the police's holiday watch works by stays, not seasons).
MAX_DAYS = 92


@dataclass(frozen=True)
class AbsenceView:
    """An absence as those who may see it are shown it."""

    id: int
    member_id: int
    member_name: str
    address_label: str
    starts_on: date
    ends_on: date
    trusted_member_id: int | None


@dataclass(frozen=True)
class AbsenceFlag:
    """An alert posted near the home of an absent member, for one who may see that absence."""

    alert_id: int
    absence: AbsenceView
    distance_m: float


def check_period(starts_on: date, ends_on: date, today: date) -> None:
    """Refuse a period that ends before it starts, lies in the past, or is longer than :data:`MAX_DAYS`."""
    if ends_on < starts_on:
        raise InputError("La date de retour précède la date de départ.", field="ends_on")
    if ends_on < today:
        raise InputError("Cette absence est déjà terminée : indiquez une période à venir.", field="ends_on")
    if (ends_on - starts_on).days + 1 > MAX_DAYS:
        raise InputError(
            f"Une absence couvre {MAX_DAYS} jours au plus : déclarez plusieurs périodes si besoin.", field="ends_on"
        )


def declare_absence(
    session: Session,
    actor: Actor,
    member: Member,
    starts_on: date,
    ends_on: date,
    *,
    trusted: Member | None = None,
    now: datetime | None = None,
) -> Absence:
    """Record that ``member`` is away from ``starts_on`` to ``ends_on`` (both included).

    Raises
    ------
    gis.InputError
        Not one's own account, no verified home, a bad period, or a trusted neighbour who is not a verified
        member of the same commune.
    """
    now = now or utcnow()
    authorize(session, actor, Action.DECLARE_ABSENCE, commune_id=member.commune_id, member_id=member.id)
    check_period(starts_on, ends_on, now.date())
    if member.status != MemberStatus.VERIFIED or member.lon is None or member.lat is None:
        raise InputError(
            "Votre adresse doit être vérifiée par la mairie avant de signaler une absence.", field="member"
        )
    if trusted is not None and (
        trusted.id == member.id or trusted.commune_id != member.commune_id or trusted.status != MemberStatus.VERIFIED
    ):
        raise InputError("Le voisin de confiance doit être un autre membre vérifié de votre commune.", field="trusted")
    commune = session.get(Commune, member.commune_id)
    assert commune is not None
    x, y = transform_xy(np.array([member.lon]), np.array([member.lat]), 4326, commune.crs_epsg)
    absence = Absence(
        commune_id=member.commune_id,
        member_id=member.id,
        starts_on=starts_on,
        ends_on=ends_on,
        trusted_member_id=trusted.id if trusted else None,
        home_x_m=float(x[0]),
        home_y_m=float(y[0]),
        created_at=now,
    )
    session.add(absence)
    session.flush()
    record(session, actor, "created", "absence", absence.id, commune_id=member.commune_id)
    return absence


def cancel_absence(session: Session, actor: Actor, absence_id: int, *, now: datetime | None = None) -> None:
    """Cancel one's own absence (come back early, or a mistake)."""
    absence = session.get(Absence, absence_id)
    if absence is None or absence.cancelled_at is not None:
        raise InputError("Absence inconnue ou déjà annulée.", field="absence")
    authorize(session, actor, Action.DECLARE_ABSENCE, commune_id=absence.commune_id, member_id=absence.member_id)
    absence.cancelled_at = now or utcnow()
    record(session, actor, "changed", "absence", absence.id, commune_id=absence.commune_id, cancelled=True)


def view_absence(absence: Absence, member: Member) -> AbsenceView:
    """The view of an absence row and its member (read inside their unit of work)."""
    return AbsenceView(
        absence.id,
        member.id,
        member.name,
        member.address_label,
        absence.starts_on,
        absence.ends_on,
        absence.trusted_member_id,
    )


def _seen_by(session: Session, actor: Actor, commune_id: int) -> object:
    """The SQL condition on absences ``actor`` may see (None: every absence of the commune)."""
    if allowed(session, actor, Action.VIEW_ABSENCES, commune_id=commune_id):
        return None
    if actor.member_id is None:
        return False
    return Absence.trusted_member_id == actor.member_id


def visible_absences(
    session: Session, actor: Actor, commune_id: int, *, on: date | None = None, mine: bool = False
) -> list[AbsenceView]:
    """The absences ``actor`` may see in the commune, current or to come on ``on`` (default: today).

    The mairie's agents and the open gendarmerie see all of them; a member, their own (``mine``) and those that
    name them as trusted neighbour; anyone else, none.
    """
    on = on or utcnow().date()
    query = (
        select(Absence, Member)
        .join(Member, Member.id == Absence.member_id)
        .where(Absence.commune_id == commune_id, Absence.cancelled_at.is_(None), Absence.ends_on >= on)
        .order_by(Absence.starts_on, Absence.id)
    )
    if mine:
        query = query.where(Absence.member_id == actor.member_id)
    else:
        condition = _seen_by(session, actor, commune_id)
        if condition is False:
            return []
        if condition is not None:
            query = query.where(condition)  # type: ignore[arg-type]
    return [view_absence(a, m) for a, m in session.execute(query).all()]


def near_homes(
    points: list[tuple[int, float, float, date]], homes: list[tuple[int, float, float, date, date]], radius_m: float
) -> list[tuple[int, int, float]]:
    """Pure core: which alert points lie within ``radius_m`` of a home during its absence.

    ``points`` are (alert id, x, y, day posted), ``homes`` (absence id, x, y, first day, last day), in metres of
    one metric CRS. Returns (alert id, absence id, distance) triples.
    """
    if not points or not homes:
        return []
    px = np.array([[p[1], p[2]] for p in points])
    hx = np.array([[h[1], h[2]] for h in homes])
    distance = np.hypot(px[:, None, 0] - hx[None, :, 0], px[:, None, 1] - hx[None, :, 1])
    out = []
    for i, j in zip(*np.nonzero(distance <= radius_m), strict=True):
        day, (_, _, _, first, last) = points[i][3], homes[j]
        if first <= day <= last:
            out.append((points[i][0], homes[j][0], float(distance[i, j])))
    return out


def absence_flags(
    session: Session,
    actor: Actor,
    commune_id: int,
    alerts: list[tuple[int, float | None, float | None, datetime]],
    *,
    radius_m: float = 100.0,
) -> list[AbsenceFlag]:
    """Flags for the alerts (id, x_m, y_m, posted at) near the home of an absent member ``actor`` may see."""
    condition = _seen_by(session, actor, commune_id)
    if condition is False:
        return []
    points = [(i, x, y, at.date()) for i, x, y, at in alerts if x is not None and y is not None]
    if not points:
        return []
    first = min(p[3] for p in points)
    query = (
        select(Absence, Member)
        .join(Member, Member.id == Absence.member_id)
        .where(Absence.commune_id == commune_id, Absence.cancelled_at.is_(None), Absence.ends_on >= first)
    )
    if condition is not None:
        query = query.where(condition)  # type: ignore[arg-type]
    rows = {a.id: (a, m) for a, m in session.execute(query).all()}
    homes = [(a.id, a.home_x_m, a.home_y_m, a.starts_on, a.ends_on) for a, _ in rows.values()]
    return [
        AbsenceFlag(alert_id, view_absence(*rows[absence_id]), round(distance))
        for alert_id, absence_id, distance in near_homes(points, homes, radius_m)
    ]
