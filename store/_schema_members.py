"""Tables of the community: members and their accounts, charter, referents, sanctions, gendarmerie access,
and the append-only audit log.

Personal data is minimised: a member row holds an e-mail, a display name, a password hash, the address
label and point used to place them in a sector, and the verification record. Deleting an account wipes
these fields and keeps a tombstone row (other tables keep pointing at it; alerts are anonymised).
The audit log refers to members by id only, never by name or e-mail (it can never be erased).
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from store._schema import Base, utcnow


def _enum(cls: type[enum.Enum], length: int) -> Enum:
    return Enum(cls, native_enum=False, length=length, values_callable=lambda e: [m.value for m in e])


class Role(enum.StrEnum):
    """The role of an account. A referent is a resident named by the mairie for one or more sectors."""

    RESIDENT = "resident"
    REFERENT = "referent"
    MAIRIE_AGENT = "mairie_agent"
    MAIRIE_ADMIN = "mairie_admin"
    GENDARMERIE = "gendarmerie"
    PLATFORM_ADMIN = "platform_admin"


class MemberStatus(enum.StrEnum):
    """Where a member stands. Suspensions are time-bound sanctions and live in :class:`Sanction`."""

    PENDING = "pending"  # address not verified yet
    VERIFIED = "verified"
    REFUSED = "refused"
    EXCLUDED = "excluded"
    DELETED = "deleted"  # tombstone: personal data wiped


class SanctionKind(enum.StrEnum):
    WARNING = "warning"
    SUSPENSION = "suspension"
    EXCLUSION = "exclusion"


class Member(Base):
    __tablename__ = "members"
    __table_args__ = (
        CheckConstraint("commune_id IS NOT NULL OR role = 'platform_admin'", name="ck_members_commune"),
        Index("ix_members_commune_sector", "commune_id", "sector_code"),
        Index("ix_members_commune_status", "commune_id", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    commune_id: Mapped[int | None] = mapped_column(ForeignKey("communes.id", ondelete="RESTRICT"))
    # Lower-cased; NULL once the account is deleted (the address can then sign up again).
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    role: Mapped[Role] = mapped_column(_enum(Role, 20), nullable=False, default=Role.RESIDENT)
    status: Mapped[MemberStatus] = mapped_column(_enum(MemberStatus, 12), nullable=False, default=MemberStatus.PENDING)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_enabled: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    # Last TOTP time step accepted: a code is never accepted twice (no replay within its validity window).
    totp_last_step: Mapped[int | None] = mapped_column(Integer)
    # An invitation lets a member registered by someone else choose their password (sha256 of the token).
    invitation_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    invitation_expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Address: the label as geocoded, the BAN id when known, the point used for sector placement.
    address_label: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    address_ban_id: Mapped[str | None] = mapped_column(String(64))
    lon: Mapped[float | None] = mapped_column(Float)
    lat: Mapped[float | None] = mapped_column(Float)
    # Sector codes are stable from one version of a sector set to the next.
    sector_code: Mapped[str | None] = mapped_column(String(64))
    registered_via: Mapped[str] = mapped_column(String(10), nullable=False, default="web")
    registered_by_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, nullable=False)
    verified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    verified_by_id: Mapped[int | None] = mapped_column(Integer)
    verification_method: Mapped[str | None] = mapped_column(String(40))
    verification_note: Mapped[str | None] = mapped_column(String(500))
    refused_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    refused_by_id: Mapped[int | None] = mapped_column(Integer)
    refusal_reason: Mapped[str | None] = mapped_column(String(500))
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    sanctions: Mapped[list[Sanction]] = relationship(
        back_populates="member", order_by="Sanction.id", cascade="all, delete-orphan"
    )
    referent_assignments: Mapped[list[ReferentAssignment]] = relationship(
        back_populates="member", order_by="ReferentAssignment.id", cascade="all, delete-orphan"
    )


class Charter(Base):
    """One version of a commune's charter; the highest version is the one to accept."""

    __tablename__ = "charters"
    __table_args__ = (UniqueConstraint("commune_id", "version", name="uq_charters_version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    commune_id: Mapped[int] = mapped_column(ForeignKey("communes.id", ondelete="CASCADE"), nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    text: Mapped[str] = mapped_column(Text, nullable=False, info={"max_length": 100_000})
    published_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, nullable=False)


class CharterAcceptance(Base):
    __tablename__ = "charter_acceptances"
    __table_args__ = (UniqueConstraint("member_id", "charter_id", name="uq_charter_acceptances"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), nullable=False)
    charter_id: Mapped[int] = mapped_column(ForeignKey("charters.id", ondelete="CASCADE"), nullable=False)
    accepted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, nullable=False)
    channel: Mapped[str] = mapped_column(String(10), nullable=False, default="web")  # web | paper


class AuthSession(Base):
    """A login session; the token itself is never stored, only its sha256."""

    __tablename__ = "auth_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), nullable=False, index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, nullable=False)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # False while a second factor is still owed (login of a staff account not yet enrolled in TOTP).
    mfa_ok: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)


class LoginAttempt(Base):
    """A login attempt, for rate limiting across processes. The e-mail is kept as a keyed hash only."""

    __tablename__ = "login_attempts"
    __table_args__ = (Index("ix_login_attempts_key_at", "email_key", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email_key: Mapped[str] = mapped_column(String(64), nullable=False)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, nullable=False)
    success: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)


class ReferentAssignment(Base):
    """A member named referent of one sector (by its stable code); ``ended_at`` closes it, history kept."""

    __tablename__ = "referent_assignments"
    __table_args__ = (
        Index(
            "uq_referent_assignments_open",
            "member_id",
            "sector_code",
            unique=True,
            postgresql_where=text("ended_at IS NULL"),
            sqlite_where=text("ended_at IS NULL"),
        ),
        Index("ix_referent_assignments_sector", "commune_id", "sector_code"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    commune_id: Mapped[int] = mapped_column(ForeignKey("communes.id", ondelete="CASCADE"), nullable=False)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), nullable=False)
    sector_code: Mapped[str] = mapped_column(String(64), nullable=False)
    assigned_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, nullable=False)
    assigned_by_id: Mapped[int | None] = mapped_column(Integer)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    member: Mapped[Member] = relationship(back_populates="referent_assignments")


class Sanction(Base):
    """A warning, a suspension (with an end) or an exclusion. Never deleted: the history is the table."""

    __tablename__ = "sanctions"
    __table_args__ = (
        CheckConstraint("kind <> 'suspension' OR ends_at IS NOT NULL", name="ck_sanctions_suspension_end"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), nullable=False, index=True)
    kind: Mapped[SanctionKind] = mapped_column(_enum(SanctionKind, 12), nullable=False)
    reason: Mapped[str] = mapped_column(String(1000), nullable=False, default="")
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, nullable=False)
    ends_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_by_id: Mapped[int | None] = mapped_column(Integer)
    lifted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    lifted_by_id: Mapped[int | None] = mapped_column(Integer)

    member: Mapped[Member] = relationship(back_populates="sanctions")


class GendarmerieAccessChange(Base):
    """Each opening or closing of the gendarmerie's access to a commune; the latest row is the state."""

    __tablename__ = "gendarmerie_access_changes"
    __table_args__ = (Index("ix_gendarmerie_access_commune", "commune_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    commune_id: Mapped[int] = mapped_column(ForeignKey("communes.id", ondelete="CASCADE"), nullable=False)
    is_open: Mapped[bool] = mapped_column(Boolean, nullable=False)
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, nullable=False)
    changed_by_id: Mapped[int | None] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(500), nullable=False, default="")


class AuditEntry(Base):
    """One line of the append-only audit log (triggers refuse UPDATE and DELETE on both backends).

    No foreign keys: the log outlives whatever it mentions. ``details`` is JSON without personal data.
    """

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_commune_at", "commune_id", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    commune_id: Mapped[int | None] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, nullable=False)
    actor_id: Mapped[int | None] = mapped_column(Integer)
    actor_role: Mapped[str] = mapped_column(String(20), nullable=False)
    actor_label: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    action: Mapped[str] = mapped_column(String(20), nullable=False)  # created, changed, viewed, exported, deleted
    object_type: Mapped[str] = mapped_column(String(40), nullable=False)
    object_id: Mapped[str] = mapped_column(String(64), nullable=False, default="")
    details: Mapped[str] = mapped_column(Text, nullable=False, default="{}", info={"max_length": 100_000})
    # Embedded SQLite: the hash chain making tampering visible (community/_audit_chain.py); NULL on PostGIS.
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    row_hash: Mapped[str | None] = mapped_column(String(64))
