"""What the community services share: a unit of work in one commune, the member look-up, typed views."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from services._core import Actor, ServiceError, unit_of_work
from store.schema import as_utc

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from store.schema import Commune, Member, Sanction


def first_name(name: str | None) -> str | None:
    """The first word of a member's name (what a neighbour is shown of them), or None for an empty name."""
    words = (name or "").split()
    return words[0] if words else None


@contextmanager
def in_commune(actor: Actor | None, commune: str | None) -> Iterator[tuple[Session, Commune]]:
    """One unit of work bound to the commune of INSEE code ``commune`` (None: the actor's own commune).

    Raises
    ------
    ServiceError
        ``field="commune"``: unknown code, or no commune given for an actor who has none.
    """
    from store import bind_commune
    from store.schema import Commune

    with unit_of_work() as session:
        if commune is None:
            if actor is None or actor.commune_id is None:
                raise ServiceError("Indiquez la commune (code INSEE).", field="commune")
            found = session.get(Commune, actor.commune_id)
            if found is None:
                raise ServiceError("Commune inconnue.", field="commune")
        else:
            from community import get_commune

            try:
                found = get_commune(session, commune)
            except ServiceError as exc:
                raise ServiceError(exc.message, exc.problems, field=exc.field or "commune") from exc
        bind_commune(session, found.id)
        yield session, found


def member_of(session: Session, commune: Commune, email: str) -> Member:
    """The member of ``commune`` with this e-mail (``field="email"`` when there is none)."""
    from community import find_member

    return find_member(session, commune, email)


def own_member(session: Session, actor: Actor) -> Member:
    """The actor's own account (``field="actor"`` for the operator, who has none)."""
    from store.schema import Member

    member = session.get(Member, actor.member_id) if actor.member_id is not None else None
    if member is None:
        raise ServiceError("Cette action concerne un compte de membre : connectez-vous avec le vôtre.", field="actor")
    return member


@dataclass(frozen=True)
class MemberInfo:
    """A member as the services show them (no password, no secret)."""

    id: int
    email: str | None
    name: str
    role: str  # hyphenated role name: resident, referent, mairie-agent, mairie-admin, gendarmerie
    status: str  # pending, verified, suspended, refused, excluded, deleted
    commune_id: int | None
    sector_code: str | None
    address: str
    registered_via: str
    verified_at: datetime | None
    verification_method: str | None
    referent_sectors: tuple[str, ...]
    totp_enabled: bool

    @classmethod
    def of(cls, member: Member, now: datetime | None = None) -> MemberInfo:
        """The view of a member row (read inside its unit of work)."""
        from community import display_status, role_name

        return cls(
            id=member.id,
            email=member.email,
            name=member.name,
            role=role_name(member.role),
            status=display_status(member, now),
            commune_id=member.commune_id,
            sector_code=member.sector_code,
            address=member.address_label,
            registered_via=member.registered_via,
            verified_at=as_utc(member.verified_at),
            verification_method=member.verification_method,
            referent_sectors=tuple(sorted(a.sector_code for a in member.referent_assignments if a.ended_at is None)),
            totp_enabled=bool(member.totp_enabled),
        )


@dataclass(frozen=True)
class SanctionInfo:
    """A warning, suspension or exclusion."""

    id: int
    member_id: int
    kind: str  # warning, suspension, exclusion
    reason: str
    starts_at: datetime
    ends_at: datetime | None
    lifted_at: datetime | None

    @classmethod
    def of(cls, sanction: Sanction) -> SanctionInfo:
        """The view of a sanction row."""
        return cls(
            sanction.id,
            sanction.member_id,
            str(sanction.kind),
            sanction.reason,
            as_utc(sanction.starts_at),
            as_utc(sanction.ends_at),
            as_utc(sanction.lifted_at),
        )
