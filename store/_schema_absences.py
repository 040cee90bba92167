"""Absences: a member away from home for a period (holiday watch, like the police's "Opération Tranquillité
Vacances"). Seen only by the mairie's agents, by the gendarmerie while its access is open, and by the one
trusted neighbour the member names; referents and other neighbours never learn who is away.

The home point is copied in metres (the commune's metric CRS) when the absence is declared, so that an
alert's exact point can be compared with it without reading the member's address again.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, DateTime, Float, ForeignKey, Index, Integer
from sqlalchemy.orm import Mapped, mapped_column

from store._schema import Base, utcnow


class Absence(Base):
    """One absence period of a member (both days included)."""

    __tablename__ = "absences"
    __table_args__ = (
        CheckConstraint("ends_on >= starts_on", name="ck_absences_period"),
        Index("ix_absences_commune_period", "commune_id", "ends_on", "starts_on"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    commune_id: Mapped[int] = mapped_column(ForeignKey("communes.id", ondelete="CASCADE"), nullable=False)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), nullable=False, index=True)
    starts_on: Mapped[date] = mapped_column(Date, nullable=False)
    ends_on: Mapped[date] = mapped_column(Date, nullable=False)
    trusted_member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    home_x_m: Mapped[float] = mapped_column(Float, nullable=False)
    home_y_m: Mapped[float] = mapped_column(Float, nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, nullable=False)
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
