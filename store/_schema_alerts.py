"""Tables of the alerts: the alerts, their diffusion sectors, their moderation history, and each commune's
alert settings and categories.

Every table carries ``commune_id``: on PostGIS, row-level security keeps each transaction inside one
commune (see ``store/migrations/versions/0003_alerts.py`` and :mod:`alerts._store`).
"""

from __future__ import annotations

from datetime import datetime

from shapely.geometry.base import BaseGeometry
from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from store._schema import Base, utcnow
from store._types import GeometryColumn


class AlertCommuneSettings(Base):
    """A commune's choices for its alerts (absent row: the platform defaults)."""

    __tablename__ = "alert_commune_settings"

    commune_id: Mapped[int] = mapped_column(ForeignKey("communes.id", ondelete="CASCADE"), primary_key=True)
    premoderation: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    check_policy: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, nullable=False)


class AlertCategoryOverride(Base):
    """A commune's change to the default categories: disabled, renamed, or a category of its own."""

    __tablename__ = "alert_categories"
    __table_args__ = (UniqueConstraint("commune_id", "code", name="uq_alert_categories_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    commune_id: Mapped[int] = mapped_column(ForeignKey("communes.id", ondelete="CASCADE"), nullable=False)
    code: Mapped[str] = mapped_column(String(40), nullable=False)
    label: Mapped[str] = mapped_column(String(80), nullable=False, default="")
    family: Mapped[str] = mapped_column(String(12), nullable=False, default="")
    enabled: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)


class Alert(Base):
    __tablename__ = "alerts"
    __table_args__ = (
        # A retry with the same client key never creates a second alert.
        UniqueConstraint("author_id", "idempotency_key", name="uq_alerts_idempotency"),
        Index("ix_alerts_commune_status", "commune_id", "status", "id"),
        Index("ix_alerts_author_created", "author_id", "created_at"),
        Index("ix_alerts_commune_category_created", "commune_id", "category", "created_at"),
        # Heat maps read (status, x_m, y_m) by commune and period from the index alone (migration 0005).
        Index(
            "ix_alerts_heat",
            "commune_id",
            "created_at",
            postgresql_include=["status", "x_m", "y_m"],
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    commune_id: Mapped[int] = mapped_column(ForeignKey("communes.id", ondelete="CASCADE"), nullable=False)
    # The sector set the alert was routed with (an alert keeps it when a new set is activated).
    sector_set_id: Mapped[int] = mapped_column(ForeignKey("sector_sets.id", ondelete="RESTRICT"), nullable=False)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    idempotency_key: Mapped[str | None] = mapped_column(String(100))
    category: Mapped[str] = mapped_column(String(40), nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    text: Mapped[str] = mapped_column(Text, nullable=False, info={"max_length": 2000})
    original_text: Mapped[str | None] = mapped_column(Text, info={"max_length": 2000})
    check_outcome: Mapped[str] = mapped_column(String(16), nullable=False, default="ok")
    check_findings: Mapped[str] = mapped_column(Text, nullable=False, default="[]", info={"max_length": 100_000})
    # Exact point (mairie, referents of the sector, gendarmerie) and projected metric coordinates (duplicates).
    location: Mapped[BaseGeometry | None] = mapped_column(GeometryColumn("POINT"))
    x_m: Mapped[float | None] = mapped_column(Float)
    y_m: Mapped[float | None] = mapped_column(Float)
    address_text: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    # What residents see instead of the point, computed once at posting.
    display_kind: Mapped[str] = mapped_column(String(10), nullable=False)
    display_label: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    display_geom: Mapped[BaseGeometry] = mapped_column(GeometryColumn("GEOMETRY"), nullable=False)
    display_lon: Mapped[float] = mapped_column(Float, nullable=False)
    display_lat: Mapped[float] = mapped_column(Float, nullable=False)
    # Diffusion perimeter: the union of its sectors (the list is in alert_sectors).
    perimeter: Mapped[BaseGeometry] = mapped_column(GeometryColumn("MULTIPOLYGON"), nullable=False)
    scope: Mapped[str] = mapped_column(String(10), nullable=False, default="auto")
    claim_by_id: Mapped[int | None] = mapped_column(Integer)
    claim_name: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    claim_since: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    claim_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reject_reason: Mapped[str] = mapped_column(String(1000), nullable=False, default="")
    appeal_text: Mapped[str] = mapped_column(Text, nullable=False, default="", info={"max_length": 2000})
    feedback: Mapped[str] = mapped_column(Text, nullable=False, default="", info={"max_length": 2000})
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, nullable=False)
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    anonymised_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    sectors: Mapped[list[AlertSector]] = relationship(
        back_populates="alert", cascade="all, delete-orphan", order_by="AlertSector.sector_code"
    )
    events: Mapped[list[AlertEvent]] = relationship(
        back_populates="alert", cascade="all, delete-orphan", order_by="AlertEvent.id"
    )


class AlertSector(Base):
    """One sector of an alert's diffusion perimeter (by stable sector code, so feeds survive a new set)."""

    __tablename__ = "alert_sectors"
    __table_args__ = (Index("ix_alert_sectors_feed", "commune_id", "sector_code", "alert_id"),)

    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"), primary_key=True)
    sector_code: Mapped[str] = mapped_column(String(64), primary_key=True)
    commune_id: Mapped[int] = mapped_column(ForeignKey("communes.id", ondelete="CASCADE"), nullable=False)
    sector_id: Mapped[int] = mapped_column(ForeignKey("sectors.id", ondelete="RESTRICT"), nullable=False)
    # The point lies in this sector (its referents see the exact location).
    home: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)

    alert: Mapped[Alert] = relationship(back_populates="sectors")


class AlertEvent(Base):
    """One move of the moderation history: who, when, from which status to which."""

    __tablename__ = "alert_events"
    __table_args__ = (Index("ix_alert_events_alert", "alert_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id", ondelete="CASCADE"), nullable=False)
    commune_id: Mapped[int] = mapped_column(ForeignKey("communes.id", ondelete="CASCADE"), nullable=False)
    move: Mapped[str] = mapped_column(String(16), nullable=False)
    actor_id: Mapped[int | None] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), nullable=False)
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16), nullable=False)
    detail: Mapped[str] = mapped_column(Text, nullable=False, default="")

    alert: Mapped[Alert] = relationship(back_populates="events")


class AlertsVersion(Base):
    """One row counting the changes of ``alerts`` (kept by SQLite triggers; see migration 0006)."""

    __tablename__ = "alerts_version"
    __table_args__ = (CheckConstraint("id = 1", name="ck_alerts_version_single_row"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    n: Mapped[int] = mapped_column(BigInteger, nullable=False)
