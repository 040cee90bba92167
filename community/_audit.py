"""The append-only audit log: who created, changed, viewed, exported or deleted what, per commune.

Entries name members by id only (the log can never be erased, so it must hold no personal data).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from community._audit_chain import chain
from community._permissions import Action, Actor, require
from store import is_postgis
from store.schema import AuditEntry, utcnow

AUDIT_ACTIONS = frozenset({"created", "changed", "viewed", "exported", "deleted"})


def record(
    session: Session,
    actor: Actor | None,
    action: str,
    object_type: str,
    object_id: object = "",
    *,
    commune_id: int | None = None,
    at: datetime | None = None,
    **details: object,
) -> AuditEntry:
    """Append one line to the audit log (in the caller's transaction).

    Parameters
    ----------
    actor
        Who acted (None: the member themself signing up, recorded as ``self``).
    action
        One of ``created``, ``changed``, ``viewed``, ``exported``, ``deleted``.
    object_type, object_id
        What was acted upon (``member``, ``sanction``, ``gendarmerie_access``…).
    commune_id
        The commune the object belongs to.
    details
        Extra JSON-serialisable facts; never names or e-mails.
    """
    if action not in AUDIT_ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    if actor is not None and actor.operated_by:
        details = {**details, "operator": actor.operated_by}  # an operator acting for the member
    entry = AuditEntry(
        commune_id=commune_id,
        at=(at or utcnow()).astimezone(UTC),
        actor_id=actor.member_id if actor else None,
        actor_role=str(actor.role) if actor else "self",
        actor_label=(actor.label if actor else "")[:100],
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        details=json.dumps(details, ensure_ascii=False, sort_keys=True, default=str),
    )
    if not is_postgis(session):
        chain(session, entry)
    session.add(entry)
    return entry


def audit_log(session: Session, actor: Actor, commune_id: int | None, *, limit: int = 1000) -> list[AuditEntry]:
    """The latest entries of a commune's audit log (``commune_id`` None: every commune, platform admin only).

    Reading the log is itself logged.
    """
    require(actor, Action.VIEW_AUDIT_LOG, commune_id=commune_id)
    query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    if commune_id is not None:
        query = query.where(AuditEntry.commune_id == commune_id)
    entries = list(session.scalars(query))
    record(session, actor, "viewed", "audit_log", commune_id or "", commune_id=commune_id, entries=len(entries))
    return entries
