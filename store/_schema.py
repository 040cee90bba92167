"""The tables of the foundation: communes, versioned sector sets, sectors.

Other domains declare their tables in ``store/_schema_<domain>.py`` on the same :class:`Base`, and add an
Alembic migration of their own (see ``store/migrations/README.md``).
"""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import overload

from shapely.geometry.base import BaseGeometry
from sqlalchemy import CheckConstraint, DateTime, Enum, Float, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship, validates

from store._spatial_index import BBoxMixin
from store._types import GeometryColumn


def utcnow() -> datetime:
    """Timezone-aware now, the only clock the store uses."""
    return datetime.now(UTC)


@overload
def as_utc(moment: datetime) -> datetime: ...
@overload
def as_utc(moment: None) -> None: ...
def as_utc(moment: datetime | None) -> datetime | None:
    """A stored datetime with its zone: SQLite hands back naive datetimes, and every datetime stored is UTC."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    """Declarative base shared by every table of Voisinage."""


class SetStatus(enum.StrEnum):
    """Life cycle of a sector set (as MapIt's generations)."""

    DRAFT = "draft"
    ACTIVE = "active"
    RETIRED = "retired"


class Commune(Base):
    __tablename__ = "communes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    insee: Mapped[str] = mapped_column(String(5), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    crs_epsg: Mapped[int] = mapped_column(Integer, nullable=False)
    boundary: Mapped[BaseGeometry] = mapped_column(GeometryColumn("MULTIPOLYGON"), nullable=False)
    area_m2: Mapped[float] = mapped_column(Float, nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, nullable=False)

    sector_sets: Mapped[list[SectorSet]] = relationship(back_populates="commune", order_by="SectorSet.version")


class SectorSet(Base):
    __tablename__ = "sector_sets"
    __table_args__ = (
        # At most one active set per commune, enforced by the database itself.
        Index(
            "uq_sector_sets_one_active",
            "commune_id",
            unique=True,
            postgresql_where=text("status = 'active'"),
            sqlite_where=text("status = 'active'"),
        ),
        Index("uq_sector_sets_version", "commune_id", "version", unique=True),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    commune_id: Mapped[int] = mapped_column(ForeignKey("communes.id", ondelete="CASCADE"), nullable=False)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    label: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    source: Mapped[str] = mapped_column(String(500), nullable=False, default="")
    status: Mapped[SetStatus] = mapped_column(
        Enum(SetStatus, native_enum=False, length=10, values_callable=lambda e: [m.value for m in e]),
        nullable=False,
        default=SetStatus.DRAFT,
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, nullable=False)
    activated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    retired_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    commune: Mapped[Commune] = relationship(back_populates="sector_sets")
    sectors: Mapped[list[Sector]] = relationship(
        back_populates="sector_set", order_by="Sector.id", cascade="all, delete-orphan"
    )


class Sector(BBoxMixin, Base):
    __tablename__ = "sectors"
    __table_args__ = (
        CheckConstraint("referent_places BETWEEN 1 AND 10", name="ck_sectors_referent_places"),
        Index("uq_sectors_code", "sector_set_id", "code", unique=True),
        Index("ix_sectors_set", "sector_set_id", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sector_set_id: Mapped[int] = mapped_column(ForeignKey("sector_sets.id", ondelete="CASCADE"), nullable=False)
    # Stable identifier of the sector within its commune: kept from one version of the set to the next.
    code: Mapped[str] = mapped_column(String(64), nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    referent_places: Mapped[int] = mapped_column(Integer, nullable=False, default=2)
    area_m2: Mapped[float] = mapped_column(Float, nullable=False)
    geom: Mapped[BaseGeometry] = mapped_column(GeometryColumn("MULTIPOLYGON"), nullable=False)

    sector_set: Mapped[SectorSet] = relationship(back_populates="sectors")

    @validates("geom")
    def _keep_bbox(self, _key: str, geom: BaseGeometry) -> BaseGeometry:
        self.set_bbox(geom)
        return geom
