"""The commune's charter: versioned; a member must accept the latest version (again after a new one)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from community._audit import record
from community._permissions import Action, Actor, require
from gis import InputError
from store.schema import Charter, CharterAcceptance, Member, utcnow


def publish_charter(
    session: Session, actor: Actor, commune_id: int, text: str, *, now: datetime | None = None
) -> Charter:
    """Publish a new version of the charter (version numbers follow each other from 1)."""
    require(actor, Action.PUBLISH_CHARTER, commune_id=commune_id)
    body = (text or "").strip()
    if len(body) < 20:
        raise InputError("La charte est vide ou trop courte : collez son texte complet.", field="text")
    version = (session.scalar(select(func.max(Charter.version)).where(Charter.commune_id == commune_id)) or 0) + 1
    charter = Charter(commune_id=commune_id, version=version, text=body, published_at=now or utcnow())
    session.add(charter)
    session.flush()
    record(session, actor, "created", "charter", charter.id, commune_id=commune_id, version=version)
    return charter


def current_charter(session: Session, commune_id: int) -> Charter | None:
    """The latest version of the commune's charter, or None when none is published."""
    return session.scalar(
        select(Charter).where(Charter.commune_id == commune_id).order_by(Charter.version.desc()).limit(1)
    )


def accept_charter(
    session: Session,
    member: Member,
    version: int,
    *,
    channel: str = "web",
    actor: Actor | None = None,
    now: datetime | None = None,
) -> CharterAcceptance:
    """Record that ``member`` accepted ``version`` of their commune's charter (it must be the current one).

    ``actor`` is who records it: None for the member themself, else the agent or operator recording a
    signed paper form (the audit log says so).
    """
    if member.commune_id is None:
        raise InputError("Ce compte n'est rattaché à aucune commune.", field="email")
    charter = current_charter(session, member.commune_id)
    if charter is None:
        raise InputError("La mairie n'a pas encore publié de charte.", field="charter")
    if version != charter.version:
        raise InputError(f"La charte a changé : lisez et acceptez la version {charter.version}.", field="charter")
    existing = session.scalar(
        select(CharterAcceptance).where(
            CharterAcceptance.member_id == member.id, CharterAcceptance.charter_id == charter.id
        )
    )
    if existing is not None:
        return existing
    acceptance = CharterAcceptance(
        member_id=member.id, charter_id=charter.id, accepted_at=now or utcnow(), channel=channel
    )
    session.add(acceptance)
    record(
        session,
        actor,
        "created",
        "charter_acceptance",
        member.id,
        commune_id=member.commune_id,
        version=version,
        channel=channel,
    )
    return acceptance


def charter_to_accept(session: Session, member: Member) -> Charter | None:
    """The charter ``member`` still has to accept (the current version, if not accepted yet), else None."""
    if member.commune_id is None:
        return None
    charter = current_charter(session, member.commune_id)
    if charter is None:
        return None
    accepted = session.scalar(
        select(CharterAcceptance.id).where(
            CharterAcceptance.member_id == member.id, CharterAcceptance.charter_id == charter.id
        )
    )
    return None if accepted else charter
