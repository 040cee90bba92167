"""Referents: naming a verified resident referent of a sector, within its places of referent; staffing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from services._community import MemberInfo, first_name, in_commune, member_of
from services._core import Actor

__all__ = ["SectorPlaces", "assign", "candidates", "end", "mine", "places"]


@dataclass(frozen=True)
class SectorPlaces:
    """A sector's referents against its places of referent."""

    code: str
    name: str
    referents: int
    places: int
    members: tuple[MemberInfo, ...] = ()  # the referents themselves

    @property
    def empty(self) -> int:
        """Places of referent still to fill."""
        return max(self.places - self.referents, 0)


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
    from community import Action, authorize, record, referents_of, sector_staffing

    with in_commune(actor, commune) as (session, found):
        authorize(session, actor, Action.LIST_MEMBERS, commune_id=found.id)
        record(session, actor, "viewed", "referents", found.id, commune_id=found.id)
        staffing = sector_staffing(session, found)
        named = {s.code: tuple(MemberInfo.of(m) for m in referents_of(session, found, s.code)) for s in staffing}
        return [SectorPlaces(s.code, s.name, s.referents, s.places, named[s.code]) for s in staffing]


def candidates(actor: Actor, commune: str | None, sector: str) -> list[MemberInfo]:
    """The verified residents living in ``sector`` (code or name) who are not its referents yet, by name.

    Raises
    ------
    ServiceError
        ``field="sector"``: no such active sector; ``field="actor"``: the actor may not name referents.
    """
    from community import Action, authorize, find_sector, list_members
    from store.schema import MemberStatus, Role

    with in_commune(actor, commune) as (session, found):
        authorize(session, actor, Action.ASSIGN_REFERENT, commune_id=found.id)
        ref = find_sector(session, found, sector)
        return sorted(
            (
                MemberInfo.of(m)
                for m in list_members(session, actor, found, status=MemberStatus.VERIFIED)
                if m.sector_code == ref.code
                and m.role in (Role.RESIDENT, Role.REFERENT)
                and not any(a.sector_code == ref.code and a.ended_at is None for a in m.referent_assignments)
            ),
            key=lambda m: (m.name.casefold(), m.id),
        )


def mine(actor: Actor) -> list[str]:
    """The first names of the referents of the actor's own sector(s), for « Mon secteur » (data minimisation:
    a neighbour learns who to turn to, not a full name, an address or an e-mail)."""
    from community import referents_of
    from services._core import unit_of_work
    from store.schema import Commune

    if actor.commune_id is None or not actor.sectors:
        return []
    with unit_of_work(actor.commune_id, write=False) as session:
        commune = session.get(Commune, actor.commune_id)
        if commune is None:
            return []
        found = {m.id: m.name for code in sorted(actor.sectors) for m in referents_of(session, commune, code)}
    return [first for name in found.values() if (first := first_name(name))]
