"""Sector sets: generation from street blocks, versions, point → sector lookup."""

from sectors._generate import BALANCE_RATIO, GeneratedSectors, generate_sectors
from sectors._naming import sector_names, suggested_referents

__all__ = [
    "BALANCE_RATIO",
    "GeneratedSectors",
    "generate_sectors",
    "sector_names",
    "suggested_referents",
]
