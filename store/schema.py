"""Every table of Voisinage, on one metadata (imported by Alembic's environment)."""

from store._schema import Base, Commune, Sector, SectorSet, SetStatus, utcnow
from store._schema_stats import SsmsiFigure

__all__ = ["Base", "Commune", "Sector", "SectorSet", "SetStatus", "SsmsiFigure", "utcnow"]
