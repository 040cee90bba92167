"""Referents: naming a verified resident referent of a sector, within its places of referent; staffing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from services._community import MemberInfo, in_commune, member_of
from services._core import Actor

__all__ = ["SectorPlaces", "assign", "end", "places"]


@dataclass(frozen=True)
class SectorPlaces:
    """A sector's referents against its places of referent."""

    code: str
    name: str
    referents: int
    places: int


def assign(actor: Actor, commune: str | None, email: str, sector: str, *, now: datetime | None = None) -> MemberInfo:
    """Name a verified member referent of ``sector`` (code or name); refused when its places are all taken."""
    from community import assign_referent

    with in_commune(actor, commune) as (session, found):
        member = member_of(session, found, email)
        assign_referent(session, actor, found, sector, member, now=now)
        return MemberInfo.of(member, now)


def end(actor: Actor, commune: str | None, email: str, sector: str, *, now: datetime | None = None) -> MemberInfo:
    """End a member's time as referent of ``sector`` (a referent with no sector left is a resident again)."""
    from community import end_referent

    with in_commune(actor, commune) as (session, found):
        member = member_of(session, found, email)
        end_referent(session, actor, found, sector, member, now=now)
        return MemberInfo.of(member, now)


def places(actor: Actor, commune: str | None) -> list[SectorPlaces]:
    """Every active sector with its referents and places of referent (for those who list members)."""
    from community import Action, authorize, record, sector_staffing

    with in_commune(actor, commune) as (session, found):
        authorize(session, actor, Action.LIST_MEMBERS, commune_id=found.id)
        record(session, actor, "viewed", "referents", found.id, commune_id=found.id)
        return [SectorPlaces(s.code, s.name, s.referents, s.places) for s in sector_staffing(session, found)]
