"""Pure spatial toolkit: CRS choice, coordinate checks, validation and repair, file reading, point location.

This package imports nothing else of Voisinage.
"""

from gis._coords import FRENCH_TERRITORIES, check_lonlat_bounds
from gis._crs import LAMBERT_93, OVERSEAS_CRS, check_insee, metric_crs, require_metric
from gis._errors import InputError
from gis._io import check_file, read_vector_file, write_vector_file
from gis._project import transform_geom, transform_xy
from gis._validate import RepairReport, as_multipolygon, polygonal_part, repair_all, repair_polygonal

__all__ = [
    "FRENCH_TERRITORIES",
    "LAMBERT_93",
    "OVERSEAS_CRS",
    "InputError",
    "RepairReport",
    "as_multipolygon",
    "check_file",
    "check_insee",
    "check_lonlat_bounds",
    "metric_crs",
    "polygonal_part",
    "read_vector_file",
    "repair_all",
    "repair_polygonal",
    "require_metric",
    "transform_geom",
    "transform_xy",
    "write_vector_file",
]
