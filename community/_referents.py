"""Referents: residents named by the mairie for a sector, within the sector's ``referent_places`` (2–3)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from community._audit import record
from community._permissions import Action, Actor, require
from community._placement import SectorRef, active_sectors, find_sector
from gis import InputError
from store.schema import Commune, Member, MemberStatus, ReferentAssignment, Role, utcnow


@dataclass(frozen=True)
class SectorStaffing:
    """How many referents a sector has, against its places."""

    code: str
    name: str
    referents: int
    places: int


def _open_count(session: Session, commune_id: int, code: str) -> int:
    return int(
        session.scalar(
            select(func.count()).where(
                ReferentAssignment.commune_id == commune_id,
                ReferentAssignment.sector_code == code,
                ReferentAssignment.ended_at.is_(None),
            )
        )
        or 0
    )


def assign_referent(
    session: Session, actor: Actor, commune: Commune, sector: str, member: Member, *, now: datetime | None = None
) -> ReferentAssignment:
    """Name ``member`` referent of ``sector`` (code or name); refused when the sector's places are all taken."""
    require(actor, Action.ASSIGN_REFERENT, commune_id=commune.id)
    ref: SectorRef = find_sector(session, commune, sector)
    if member.commune_id != commune.id:
        raise InputError(f"Ce membre n'appartient pas à la commune de {commune.name}.", field="email")
    if member.role not in (Role.RESIDENT, Role.REFERENT):
        raise InputError("Seul un habitant peut être nommé référent.", field="email")
    if member.status != MemberStatus.VERIFIED:
        raise InputError("Seul un membre dont l'adresse est vérifiée peut être nommé référent.", field="email")
    if any(a.sector_code == ref.code and a.ended_at is None for a in member.referent_assignments):
        raise InputError(f"Ce membre est déjà référent du secteur {ref.name}.", field="sector")
    taken = _open_count(session, commune.id, ref.code)
    if taken >= ref.referent_places:
        raise InputError(
            f"Le secteur {ref.name} a déjà {taken} référent(s), le maximum prévu ({ref.referent_places}) : "
            f"ses {ref.referent_places} places de référent sont prises ; retirez-en un avant d'en nommer un autre.",
            field="sector",
        )
    now = now or utcnow()
    assignment = ReferentAssignment(
        commune_id=commune.id, sector_code=ref.code, assigned_at=now, assigned_by_id=actor.member_id
    )
    member.referent_assignments.append(assignment)
    member.role = Role.REFERENT
    member.updated_at = now
    session.flush()
    record(
        session,
        actor,
        "created",
        "referent_assignment",
        assignment.id,
        commune_id=commune.id,
        at=now,
        member=member.id,
        sector=ref.code,
    )
    return assignment


def end_referent(
    session: Session, actor: Actor, commune: Commune, sector: str, member: Member, *, now: datetime | None = None
) -> None:
    """Withdraw ``member`` from being referent of ``sector``; a referent with no sector left is a resident again."""
    require(actor, Action.ASSIGN_REFERENT, commune_id=commune.id)
    ref = find_sector(session, commune, sector)
    now = now or utcnow()
    open_ones = [a for a in member.referent_assignments if a.sector_code == ref.code and a.ended_at is None]
    if not open_ones:
        raise InputError(f"Ce membre n'est pas référent du secteur {ref.name}.", field="sector")
    for assignment in open_ones:
        assignment.ended_at = now
        record(
            session, actor, "changed", "referent_assignment", assignment.id, commune_id=commune.id, at=now, ended=True
        )
    if not any(a.ended_at is None for a in member.referent_assignments):
        member.role = Role.RESIDENT


def referents_of(session: Session, commune: Commune, sector_code: str) -> list[Member]:
    """The current referents of a sector."""
    return list(
        session.scalars(
            select(Member)
            .join(ReferentAssignment, ReferentAssignment.member_id == Member.id)
            .where(
                ReferentAssignment.commune_id == commune.id,
                ReferentAssignment.sector_code == sector_code,
                ReferentAssignment.ended_at.is_(None),
            )
            .order_by(Member.id)
        )
    )


def sector_staffing(session: Session, commune: Commune) -> list[SectorStaffing]:
    """Every active sector with its number of referents and of places."""
    return [
        SectorStaffing(s.code, s.name, _open_count(session, commune.id, s.code), s.referent_places)
        for s in active_sectors(session, commune)
    ]


def sectors_without_referent(session: Session, commune: Commune) -> list[SectorStaffing]:
    """The active sectors that have no referent at all."""
    return [s for s in sector_staffing(session, commune) if s.referents == 0]
