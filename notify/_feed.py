"""What the app shows of the outbox: the unread badge and the newest in-app messages."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from store.schema import OutboxMessage


@dataclass(frozen=True)
class InAppMessage:
    """One in-app message."""

    id: int
    kind: str
    subject: str
    body: str
    link: str
    alert_id: int | None
    created_at: datetime
    read: bool


@dataclass(frozen=True)
class Unread:
    """The badge: unread messages newer than the marker, the newest id (the next marker), the newest messages."""

    count: int
    last_id: int
    messages: tuple[InAppMessage, ...]


def unread(session: Session, member_id: int, since_id: int = 0, limit: int = 20) -> Unread:
    """Unread in-app messages of ``member_id`` with an id above ``since_id`` (the app's last marker)."""
    mine = (OutboxMessage.member_id == member_id, OutboxMessage.channel == "inapp")
    count, last = session.execute(
        select(func.count(), func.max(OutboxMessage.id)).where(
            *mine, OutboxMessage.id > since_id, OutboxMessage.read_at.is_(None)
        )
    ).one()
    newest = messages(session, member_id, since_id, limit) if limit > 0 else ()  # limit 0: the count only
    return Unread(int(count or 0), int(last or since_id), newest)


def messages(
    session: Session, member_id: int, since_id: int = 0, limit: int = 20, kinds: Collection[str] | None = None
) -> tuple[InAppMessage, ...]:
    """The newest in-app messages of ``member_id`` above ``since_id``, read or not (only ``kinds`` if given)."""
    query = select(OutboxMessage).where(
        OutboxMessage.member_id == member_id, OutboxMessage.channel == "inapp", OutboxMessage.id > since_id
    )
    if kinds is not None:
        query = query.where(OutboxMessage.kind.in_(sorted(kinds)))
    rows = session.scalars(query.order_by(OutboxMessage.id.desc()).limit(limit)).all()
    return tuple(
        InAppMessage(r.id, r.kind, r.subject, r.body, r.link, r.alert_id, r.created_at, r.read_at is not None)
        for r in rows
    )


def mark_read(session: Session, member_id: int, up_to_id: int, now: datetime) -> int:
    """Mark the member's in-app messages up to ``up_to_id`` read; returns how many changed."""
    result = session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.member_id == member_id,
            OutboxMessage.channel == "inapp",
            OutboxMessage.id <= up_to_id,
            OutboxMessage.read_at.is_(None),
        )
        .values(read_at=now)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
