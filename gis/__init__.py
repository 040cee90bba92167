"""Pure spatial toolkit: CRS choice, validation and repair, file reading, and more.

This package imports nothing else of Voisinage.
"""

from gis._address_points import parse_certification, read_address_points
from gis._blocks import (
    BARRIER_RAILWAYS,
    BARRIER_WATERWAYS,
    DRIVABLE_HIGHWAYS,
    barrier_lines,
    block_adjacency,
    build_blocks,
)
from gis._errors import InputError
from gis._osm_online import OsmnxStreetSource
from gis._streets import StreetSource, load_streets, read_street_file

__all__ = [
    "BARRIER_RAILWAYS",
    "BARRIER_WATERWAYS",
    "DRIVABLE_HIGHWAYS",
    "InputError",
    "OsmnxStreetSource",
    "StreetSource",
    "barrier_lines",
    "block_adjacency",
    "build_blocks",
    "load_streets",
    "parse_certification",
    "read_address_points",
    "read_street_file",
]
