"""Every table of Voisinage, on one metadata (imported by Alembic's environment)."""

from store._schema import Base, Commune, Sector, SectorSet, SetStatus, utcnow

__all__ = ["Base", "Commune", "Sector", "SectorSet", "SetStatus", "utcnow"]
