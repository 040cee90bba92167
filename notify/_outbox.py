"""Writing the outbox, inside the caller's transaction: one row per recipient and channel, deduplicated.

:func:`plan` decides the channels of one recipient (pure); :func:`write` inserts the rows, skipping those whose
``dedup_key`` already exists, and wakes the dispatchers (PostGIS ``NOTIFY``, delivered at commit).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from notify._prefs import Prefs, quiet_until
from store import upsert_insert, wake_listeners
from store.schema import NotifyPrefs, OutboxMessage

CHANNEL = "voisinage_outbox"  # the LISTEN/NOTIFY channel of the dispatchers


@dataclass(frozen=True)
class Recipient:
    """Someone to tell, with their choices."""

    member_id: int
    email: str | None
    prefs: Prefs


@dataclass(frozen=True)
class Draft:
    """One message before it is written: the same text for every channel; ``sms`` is the short version."""

    kind: str
    key: str  # unique per event; the recipient and the channel are appended
    subject: str
    body: str
    link: str
    sms: str = ""
    alert_id: int | None = None
    urgent: bool = False  # security alerts: through quiet hours
    email: bool = True
    digest: bool = False  # a solidarity post: in the daily digest for members who chose it
    email_body: str = ""  # the e-mail's own body when it differs from the in-app one (a sealed account code)


def plan(draft: Draft, who: Recipient, now: datetime) -> list[dict[str, Any]]:
    """The outbox rows of ``draft`` for ``who``: in-app always, e-mail and SMS by their choices."""
    base = {
        "member_id": who.member_id,
        "kind": draft.kind,
        "alert_id": draft.alert_id,
        "urgent": draft.urgent,
        "subject": draft.subject[:300],
        "link": draft.link[:500],
        "attempts": 0,
        "last_error": "",
        "created_at": now,
        "next_attempt_at": now,
    }
    rows = [{**base, "channel": "inapp", "recipient": "", "body": draft.body, "status": "sent", "sent_at": now}]
    later = None if draft.urgent else quiet_until(who.prefs, now)
    due = {"status": "pending", "sent_at": None, "next_attempt_at": later or now}
    if draft.email and who.email and who.prefs.email_on:
        status = "digest" if draft.digest and who.prefs.digest else "pending"
        email = {"channel": "email", "recipient": who.email, "body": draft.email_body or draft.body, "status": status}
        rows.append({**base, **due, **email})
    if draft.sms and who.prefs.sms_possible:
        rows.append({**base, **due, "channel": "sms", "recipient": who.prefs.phone, "body": draft.sms})
    for row in rows:
        row["dedup_key"] = f"{draft.key}:{who.member_id}:{row['channel']}"[:200]
    return rows


def load_prefs(session: Session, member_ids: Iterable[int]) -> dict[int, Prefs]:
    """Each member's choices (the defaults for those who never chose)."""
    ids = sorted(set(member_ids))
    found: dict[int, Prefs] = {}
    for start in range(0, len(ids), 900):  # SQLite's bound-parameter limit
        for p in session.scalars(select(NotifyPrefs).where(NotifyPrefs.member_id.in_(ids[start : start + 900]))):
            found[p.member_id] = Prefs(p.email_on, p.sms_on, p.phone, p.quiet_from, p.quiet_to, p.digest)
    return {i: found.get(i, Prefs()) for i in ids}


def write(session: Session, commune_id: int, rows: Sequence[dict[str, Any]]) -> int:
    """Insert ``rows`` for ``commune_id`` (existing dedup keys are skipped); returns how many were new.

    The keys already present are read first (one indexed query per 900), then the new rows go in one
    ``executemany`` (``ON CONFLICT DO NOTHING`` still guards against a concurrent writer): on PostgreSQL an
    ``INSERT … RETURNING`` of many rows was twenty times slower (the fan-out of a publication is written in the
    alert's own transaction, so its cost is the publication's latency).
    """
    if not rows:
        return 0
    table = OutboxMessage.__table__
    assert isinstance(table, Table)
    keys = [r["dedup_key"] for r in rows]
    existing: set[str] = set()
    for start in range(0, len(keys), 900):  # SQLite's bound-parameter limit
        chunk = keys[start : start + 900]
        existing.update(session.scalars(select(OutboxMessage.dedup_key).where(OutboxMessage.dedup_key.in_(chunk))))
    fresh = [{**r, "commune_id": commune_id} for r in rows if r["dedup_key"] not in existing]
    if not fresh:
        return 0
    session.execute(upsert_insert(session)(table).on_conflict_do_nothing(index_elements=["dedup_key"]), fresh)
    wake_listeners(session, CHANNEL)
    return len(fresh)


def enqueue(session: Session, commune_id: int, draft: Draft, recipients: Iterable[Recipient], now: datetime) -> int:
    """Plan and write ``draft`` for every recipient (once each); returns the number of new rows."""
    seen: set[int] = set()
    rows: list[dict[str, Any]] = []
    for who in recipients:
        if who.member_id not in seen:
            seen.add(who.member_id)
            rows += plan(draft, who, now)
    return write(session, commune_id, rows)


def with_key(draft: Draft, key: str) -> Draft:
    """The same draft under another deduplication key."""
    return replace(draft, key=key)
