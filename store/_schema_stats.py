"""The tables of the statistics domain: SSMSI crime figures (communes and départements, all years).

One row per (source, level, code, year, indicator). ``source`` is ``ssmsi`` for the official bases and
``reference`` for a reference table (such as the one of the project brief), so both can be shown side by side.
A withheld figure (``published`` false, the SSMSI's ``ndiff``) has no count and no rate: the
``withheld_avg_*`` columns then hold the département average the SSMSI gives for withheld communes, which is
NOT the commune's own value.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, Float, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from store._schema import Base, utcnow


class SsmsiFigure(Base):
    __tablename__ = "ssmsi_figures"
    __table_args__ = (
        Index("uq_ssmsi_figures_key", "source", "level", "code", "year", "indicator", unique=True),
        Index("ix_ssmsi_figures_code_year", "code", "year"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(20), nullable=False)  # ssmsi | reference
    level: Mapped[str] = mapped_column(String(12), nullable=False)  # commune | departement
    code: Mapped[str] = mapped_column(String(5), nullable=False)  # INSEE code or département code
    year: Mapped[int] = mapped_column(Integer, nullable=False)
    indicator: Mapped[str] = mapped_column(String(80), nullable=False)  # canonical key (stats catalogue)
    label: Mapped[str] = mapped_column(String(200), nullable=False)  # as written in the file
    unit: Mapped[str] = mapped_column(String(60), nullable=False, default="")  # unité de compte
    published: Mapped[bool] = mapped_column(Boolean, nullable=False)
    count: Mapped[int | None] = mapped_column(Integer)
    rate: Mapped[float | None] = mapped_column(Float)  # per 1,000 (see rate_base)
    rate_base: Mapped[str] = mapped_column(String(12), nullable=False)  # population | logements | donne
    population: Mapped[float | None] = mapped_column(Float)
    population_year: Mapped[int | None] = mapped_column(Integer)
    housing: Mapped[float | None] = mapped_column(Float)
    housing_year: Mapped[int | None] = mapped_column(Integer)
    withheld_avg_count: Mapped[float | None] = mapped_column(Float)
    withheld_avg_rate: Mapped[float | None] = mapped_column(Float)
    edition: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    file_name: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    imported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, nullable=False)
