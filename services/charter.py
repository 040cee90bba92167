"""The commune's charter: publish a version, read the current one, accept it (or record a paper acceptance)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from services._community import in_commune, member_of, own_member
from services._core import Actor, ServiceError
from store.schema import as_utc

__all__ = ["Acceptance", "CharterInfo", "CharterStatus", "accept", "current", "publish", "status"]


@dataclass(frozen=True)
class CharterInfo:
    """One version of a commune's charter."""

    commune_id: int
    version: int
    text: str
    published_at: datetime


@dataclass(frozen=True)
class Acceptance:
    """A member's acceptance of a charter version; ``channel`` is ``web`` (themself) or ``paper`` (recorded)."""

    member_id: int
    version: int
    channel: str
    accepted_at: datetime


@dataclass(frozen=True)
class CharterStatus:
    """The charter in force and how many of the commune's active members accepted it."""

    charter: CharterInfo | None
    accepted: int  # verified members who accepted the version in force
    members: int  # verified members of the commune (every one has to accept it)


def publish(actor: Actor, commune: str | None, text: str, *, now: datetime | None = None) -> CharterInfo:
    """Publish a new version of the charter: every member has to accept it again before posting."""
    from community import publish_charter

    with in_commune(actor, commune) as (session, found):
        charter = publish_charter(session, actor, found.id, text, now=now)
        return CharterInfo(found.id, charter.version, charter.text, as_utc(charter.published_at))


def current(actor: Actor | None, commune: str | None) -> CharterInfo | None:
    """The charter in force (anyone may read it, before signing up too), or None when none is published."""
    from community import current_charter

    with in_commune(actor, commune) as (session, found):
        charter = current_charter(session, found.id)
        if charter is None:
            return None
        return CharterInfo(found.id, charter.version, charter.text, as_utc(charter.published_at))


def accept(
    actor: Actor,
    commune: str | None = None,
    email: str | None = None,
    *,
    version: int | None = None,
    now: datetime | None = None,
) -> Acceptance:
    """Accept the current charter: the actor themself (``email`` None or their own), or, for ``email``, an
    agent or the operator recording a signed paper acceptance (audited as recorded by them, channel ``paper``).

    ``version`` is the version the person read (default: the current one); a stale version is refused.

    Raises
    ------
    ServiceError
        ``field="charter"``: no charter published, or not the current version; ``field="actor"``: not allowed.
    """
    from community import Action, accept_charter, authorize, current_charter

    with in_commune(actor, commune) as (session, found):
        member = own_member(session, actor) if email is None else member_of(session, found, email)
        charter = current_charter(session, found.id)
        if charter is None:
            raise ServiceError(f"La commune de {found.name} n'a pas encore publié de charte.", field="charter")
        if member.id == actor.member_id:
            authorize(session, actor, Action.ACCEPT_CHARTER, member_id=member.id)
            channel, recorder = "web", None
        else:
            # Recording a signed paper form is part of registering members on paper.
            authorize(session, actor, Action.REGISTER_MEMBER, commune_id=member.commune_id)
            channel, recorder = "paper", actor
        done = accept_charter(
            session, member, charter.version if version is None else version, channel=channel, actor=recorder, now=now
        )
        return Acceptance(member.id, charter.version, done.channel, as_utc(done.accepted_at))


def status(actor: Actor, commune: str | None = None) -> CharterStatus:
    """The charter in force and its acceptances among verified members (for who lists the commune's members)."""
    from sqlalchemy import func, select

    from community import Action, authorize, current_charter, record
    from store.schema import CharterAcceptance, Member, MemberStatus

    with in_commune(actor, commune) as (session, found):
        authorize(session, actor, Action.LIST_MEMBERS, commune_id=found.id)
        verified = (Member.commune_id == found.id, Member.status == MemberStatus.VERIFIED)
        members = int(session.scalar(select(func.count()).select_from(Member).where(*verified)) or 0)
        charter = current_charter(session, found.id)
        record(session, actor, "viewed", "charter_acceptances", found.id, commune_id=found.id)
        if charter is None:
            return CharterStatus(None, 0, members)
        accepted = session.scalar(
            select(func.count())
            .select_from(CharterAcceptance)
            .join(Member, Member.id == CharterAcceptance.member_id)
            .where(CharterAcceptance.charter_id == charter.id, *verified)
        )
        info = CharterInfo(found.id, charter.version, charter.text, as_utc(charter.published_at))
        return CharterStatus(info, int(accepted or 0), members)
