"""RGPD rights: a member exports everything held about them, and deletes their account.

Other domains hold data about members too (alerts…). They register here:

- an *exporter* ``fn(session, member_id) -> JSON-able`` whose result is added to the export under its name;
- an *anonymiser* ``fn(session, member_id) -> int`` run (in the same transaction) before an account is
  deleted, which detaches the member from what must outlive them (alerts are anonymised, not deleted) and
  returns how many rows it changed.

Deleting keeps a tombstone row (status ``deleted``) with every personal field wiped: the ids other tables
and the append-only audit log hold stay valid but lead to nobody.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from community._accounts import email_key
from community._audit import record
from community._permissions import Action, Actor, require
from community._sanctions import display_status
from gis import InputError
from store.schema import (
    AuditEntry,
    AuthSession,
    Charter,
    CharterAcceptance,
    LoginAttempt,
    Member,
    MemberStatus,
    Role,
    utcnow,
)

Exporter = Callable[[Session, int], Any]
Anonymiser = Callable[[Session, int], int]
_EXPORTERS: dict[str, Exporter] = {}
_ANONYMISERS: dict[str, Anonymiser] = {}


def register_exporter(name: str, exporter: Exporter) -> None:
    """Add a domain's data to every member export, under ``name`` (registering again replaces it)."""
    _EXPORTERS[name] = exporter


def register_anonymiser(name: str, anonymiser: Anonymiser) -> None:
    """Run ``anonymiser(session, member_id)`` whenever an account is deleted (registering again replaces it)."""
    _ANONYMISERS[name] = anonymiser


def unregister(name: str) -> None:
    """Remove the exporter and anonymiser registered under ``name`` (tests)."""
    _EXPORTERS.pop(name, None)
    _ANONYMISERS.pop(name, None)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _self_or(actor: Actor, member: Member, own: Action, other: Action) -> None:
    if actor.member_id is not None and actor.member_id == member.id:
        require(actor, own, member_id=member.id)
    else:
        require(actor, other, commune_id=member.commune_id)


def export_member_data(
    session: Session, actor: Actor, member: Member, *, now: datetime | None = None
) -> dict[str, Any]:
    """Everything held about ``member``, as JSON-ready data (the export is audit-logged).

    The member themself, a mairie admin of their commune, or the platform operator (on the member's request)
    may export.
    """
    _self_or(actor, member, Action.EXPORT_OWN_DATA, Action.EXPORT_MEMBER_DATA)
    now = now or utcnow()
    acceptances = session.execute(
        select(CharterAcceptance, Charter.version)
        .join(Charter, Charter.id == CharterAcceptance.charter_id)
        .where(CharterAcceptance.member_id == member.id)
        .order_by(CharterAcceptance.id)
    ).all()
    sessions = session.scalars(select(AuthSession).where(AuthSession.member_id == member.id).order_by(AuthSession.id))
    attempts: Any = (
        session.scalars(
            select(LoginAttempt)
            .where(LoginAttempt.email_key == email_key(member.email or ""))
            .order_by(LoginAttempt.id)
        )
        if member.email
        else []
    )
    about = session.scalars(
        select(AuditEntry)
        .where(
            or_(
                AuditEntry.actor_id == member.id,
                (AuditEntry.object_type == "member") & (AuditEntry.object_id == str(member.id)),
            )
        )
        .order_by(AuditEntry.id)
    )
    data: dict[str, Any] = {
        "export": {"generated_at": now.isoformat(), "format": "voisinage-member-export/1"},
        "account": {
            "id": member.id,
            "email": member.email,
            "name": member.name,
            "role": str(member.role),
            "status": display_status(member, now),
            "commune_id": member.commune_id,
            "created_at": _iso(member.created_at),
            "registered_via": member.registered_via,
            "password_set": member.password_hash is not None,
            "totp_enabled": member.totp_enabled,
        },
        "address": {
            "label": member.address_label,
            "ban_id": member.address_ban_id,
            "lon": member.lon,
            "lat": member.lat,
            "sector_code": member.sector_code,
        },
        "verification": {
            "verified_at": _iso(member.verified_at),
            "verified_by_id": member.verified_by_id,
            "method": member.verification_method,
            "note": member.verification_note,
            "refused_at": _iso(member.refused_at),
            "refusal_reason": member.refusal_reason,
        },
        "charter_acceptances": [
            {"version": version, "accepted_at": _iso(a.accepted_at), "channel": a.channel} for a, version in acceptances
        ],
        "referent_assignments": [
            {"sector_code": a.sector_code, "assigned_at": _iso(a.assigned_at), "ended_at": _iso(a.ended_at)}
            for a in member.referent_assignments
        ],
        "sanctions": [
            {
                "kind": str(s.kind),
                "reason": s.reason,
                "starts_at": _iso(s.starts_at),
                "ends_at": _iso(s.ends_at),
                "lifted_at": _iso(s.lifted_at),
            }
            for s in member.sanctions
        ],
        "sessions": [
            {"created_at": _iso(s.created_at), "expires_at": _iso(s.expires_at), "revoked_at": _iso(s.revoked_at)}
            for s in sessions
        ],
        "login_attempts": [{"at": _iso(a.at), "success": a.success} for a in attempts],
        "audit_log": [
            {
                "at": _iso(e.at),
                "actor_role": e.actor_role,
                "action": e.action,
                "object_type": e.object_type,
                "object_id": e.object_id,
            }
            for e in about
        ],
    }
    for name, exporter in sorted(_EXPORTERS.items()):
        data[name] = exporter(session, member.id)
    record(session, actor, "exported", "member", member.id, commune_id=member.commune_id, at=now)
    return data


def delete_account(session: Session, actor: Actor, member: Member, *, now: datetime | None = None) -> dict[str, int]:
    """Delete ``member``'s account: registered anonymisers run, personal data is wiped, a tombstone stays.

    Returns how many rows each anonymiser changed. Runs in the caller's transaction: if an anonymiser
    fails, nothing is deleted.
    """
    _self_or(actor, member, Action.DELETE_OWN_ACCOUNT, Action.DELETE_MEMBER)
    if member.status == MemberStatus.DELETED:
        raise InputError("Ce compte est déjà supprimé.", field="email")
    if member.role == Role.PLATFORM_ADMIN:
        raise InputError("Un compte d'administrateur de la plateforme ne se supprime pas ici.", field="email")
    now = now or utcnow()
    counts = {name: int(fn(session, member.id)) for name, fn in sorted(_ANONYMISERS.items())}
    if member.email:
        session.execute(delete(LoginAttempt).where(LoginAttempt.email_key == email_key(member.email)))
    session.execute(delete(AuthSession).where(AuthSession.member_id == member.id))
    session.execute(delete(CharterAcceptance).where(CharterAcceptance.member_id == member.id))
    for assignment in member.referent_assignments:
        if assignment.ended_at is None:
            assignment.ended_at = now
    for sanction in member.sanctions:
        sanction.reason = ""
    member.email = None
    member.name = ""
    member.password_hash = None
    member.totp_secret = None
    member.totp_enabled = False
    member.totp_last_step = None
    member.invitation_hash = None
    member.invitation_expires_at = None
    member.address_label = ""
    member.address_ban_id = None
    member.lon = None
    member.lat = None
    member.verification_note = None
    member.refusal_reason = None
    if member.role == Role.REFERENT:
        member.role = Role.RESIDENT
    member.status = MemberStatus.DELETED
    member.deleted_at = now
    member.updated_at = now
    record(session, actor, "deleted", "member", member.id, commune_id=member.commune_id, at=now, anonymised=counts)
    return counts
