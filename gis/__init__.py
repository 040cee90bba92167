"""Pure spatial toolkit: CRS choice, coordinate checks, validation and repair, file reading, point location,
streets and street blocks.

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
from gis._coords import FRENCH_TERRITORIES, check_lonlat_bounds
from gis._crs import LAMBERT_93, OVERSEAS_CRS, check_insee, metric_crs, require_metric
from gis._errors import InputError
from gis._io import check_file, read_vector_file, write_vector_file
from gis._osm_online import OsmnxStreetSource
from gis._project import to_metric, transform_geom, transform_xy
from gis._streets import StreetSource, load_streets, read_street_file
from gis._validate import RepairReport, as_multipolygon, polygonal_part, repair_all, repair_polygonal

__all__ = [
    "BARRIER_RAILWAYS",
    "BARRIER_WATERWAYS",
    "DRIVABLE_HIGHWAYS",
    "FRENCH_TERRITORIES",
    "LAMBERT_93",
    "OVERSEAS_CRS",
    "InputError",
    "OsmnxStreetSource",
    "RepairReport",
    "StreetSource",
    "as_multipolygon",
    "barrier_lines",
    "block_adjacency",
    "build_blocks",
    "check_file",
    "check_insee",
    "check_lonlat_bounds",
    "load_streets",
    "metric_crs",
    "parse_certification",
    "polygonal_part",
    "read_address_points",
    "read_street_file",
    "read_vector_file",
    "repair_all",
    "repair_polygonal",
    "require_metric",
    "to_metric",
    "transform_geom",
    "transform_xy",
    "write_vector_file",
]
