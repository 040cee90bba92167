"""Tables of the notifications: the outbox (one row per recipient and channel), each member's choices, and
what inbound SMS leave behind (replay nonces, a counter of refused numbers).

The outbox is written in the same transaction as the event it announces, so an event is never stored without
its messages, nor the reverse. ``dedup_key`` is unique: enqueuing the same message twice (a retry, a widened
perimeter) inserts nothing. Every table holding commune data carries ``commune_id`` (row-level security on
PostGIS, see migration ``0009_outbox``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from store._schema import Base, utcnow


class OutboxMessage(Base):
    """One message to one recipient on one channel (``inapp``, ``email`` or ``sms``).

    Life cycle: ``pending`` -> ``sending`` (claimed by a dispatcher until ``lease_until``) -> ``sent``; a failed
    try goes back to ``pending`` with ``next_attempt_at`` later; after the last try, ``dead`` (with
    ``last_error``). ``digest``: a solidarity post waiting for the member's daily digest (``digested`` once in
    it). ``skipped``: not sent on purpose (SMS budget spent, channel turned off), reason in ``last_error``.
    In-app messages are ``sent`` as soon as written; ``read_at`` marks them read.
    """

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_due", "commune_id", "status", "next_attempt_at"),
        Index("ix_outbox_member", "member_id", "channel", "id"),
        Index("ix_outbox_alert", "alert_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    commune_id: Mapped[int] = mapped_column(ForeignKey("communes.id", ondelete="CASCADE"), nullable=False)
    dedup_key: Mapped[str] = mapped_column(String(200), nullable=False, unique=True)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(8), nullable=False)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
    alert_id: Mapped[int | None] = mapped_column(Integer)
    urgent: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    recipient: Mapped[str] = mapped_column(String(254), nullable=False, default="")
    subject: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    body: Mapped[str] = mapped_column(Text, nullable=False, default="")
    link: Mapped[str] = mapped_column(String(500), nullable=False, default="")
    status: Mapped[str] = mapped_column(String(10), nullable=False, default="pending")
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, nullable=False)
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str] = mapped_column(String(500), nullable=False, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, nullable=False)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class NotifyPrefs(Base):
    """A member's channels and quiet hours (no row: the defaults, e-mail on, SMS off, no quiet hours)."""

    __tablename__ = "notify_prefs"
    __table_args__ = (Index("ix_notify_prefs_phone", "phone"),)

    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), primary_key=True)
    commune_id: Mapped[int] = mapped_column(ForeignKey("communes.id", ondelete="CASCADE"), nullable=False)
    email_on: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    sms_on: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    # E.164 (+33612345678); NULL until the member gives one.
    phone: Mapped[str | None] = mapped_column(String(20))
    # Quiet hours, minutes after midnight (Europe/Paris); NULL: none. Security alerts still go through.
    quiet_from: Mapped[int | None] = mapped_column(Integer)
    quiet_to: Mapped[int | None] = mapped_column(Integer)
    # Solidarity posts by e-mail once a day instead of one by one.
    digest: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, nullable=False)


class SmsNonce(Base):
    """An inbound SMS already accepted (replay protection); rows older than the window are purged."""

    __tablename__ = "sms_nonces"

    nonce: Mapped[str] = mapped_column(String(100), primary_key=True)
    seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, nullable=False)


class NotifyCounter(Base):
    """A named counter (SMS from unknown numbers per day): the only trace such messages leave."""

    __tablename__ = "notify_counters"

    name: Mapped[str] = mapped_column(String(60), primary_key=True)
    n: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
