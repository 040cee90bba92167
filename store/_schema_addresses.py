"""Tables of the address base: the rows of the Base Adresse Nationale (BAN) imported from its CSV.

Addresses are public data keyed by the BAN ``id``; they are not tied to a registered commune (a file
may be imported before the commune is), only to its INSEE code. Points are plain ``lon``/``lat``
floats: forward geocoding runs in memory, reverse geocoding on a B-tree window (both backends alike);
one secondary index only, so that importing a département file stays fast.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, Float, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from store._schema import Base, utcnow


class AddressImport(Base):
    """One run of ``voisinage addresses import`` (its id versions the in-memory geocoding indexes)."""

    __tablename__ = "address_imports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(500), nullable=False, default="")
    rows: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    inserted: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    updated: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    imported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, nullable=False)


class Address(Base):
    """One BAN address (a numbered point, or a street/lieu-dit point without number)."""

    __tablename__ = "addresses"
    __table_args__ = (
        # Reverse geocoding scans a latitude band of one commune, then filters on longitude.
        Index("ix_addresses_insee_lat", "insee", "lat"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ban_id: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    insee: Mapped[str] = mapped_column(String(5), nullable=False)
    numero: Mapped[int | None] = mapped_column(Integer)
    rep: Mapped[str] = mapped_column(String(16), nullable=False, default="")
    nom_voie: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    nom_ld: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    code_postal: Mapped[str] = mapped_column(String(5), nullable=False, default="")
    nom_commune: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    lon: Mapped[float] = mapped_column(Float, nullable=False)
    lat: Mapped[float] = mapped_column(Float, nullable=False)
    certified: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    import_id: Mapped[int] = mapped_column(ForeignKey("address_imports.id"), nullable=False)

    @property
    def label(self) -> str:
        """The BAN-style label: ``32 Rue Gérard 75013 Paris``."""
        number = f"{self.numero}{self.rep} " if self.numero is not None else ""
        street = self.nom_voie or self.nom_ld
        return f"{number}{street} {self.code_postal} {self.nom_commune}".strip()
