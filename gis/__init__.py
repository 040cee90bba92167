"""Pure spatial toolkit: CRS choice, coordinate checks, validation and repair, file reading, point location,
BAN addresses and geocoding, heat binning.

This package imports nothing else of Voisinage.
"""

from gis._ban import BAN_COLUMNS, count_data_lines, read_ban_chunks
from gis._ban_api import BanApiGeocoder, GeocoderUnavailableError
from gis._blur import DisplayedLocation, LocationBlurrer, exact_location
from gis._coords import FRENCH_TERRITORIES, check_lonlat_bounds
from gis._crs import LAMBERT_93, OVERSEAS_CRS, check_insee, metric_crs, require_metric
from gis._errors import InputError
from gis._geocode import AddressIndex, Geocoder, GeocodeResult, ParsedQuery, check_query, distance_m, parse_query
from gis._heat import HEX, HEX_CONSTANTS, SQUARE, HeatBins, bin_lonlat, bin_xy, cell_polygons, hex_axial
from gis._io import check_file, read_vector_file, write_vector_file
from gis._nearby import AreaIndex
from gis._normalize import fold, street_key
from gis._project import to_metric, transform_geom, transform_xy
from gis._validate import RepairReport, as_multipolygon, polygonal_part, repair_all, repair_polygonal

__all__ = [
    "BAN_COLUMNS",
    "FRENCH_TERRITORIES",
    "HEX",
    "HEX_CONSTANTS",
    "LAMBERT_93",
    "OVERSEAS_CRS",
    "SQUARE",
    "AddressIndex",
    "AreaIndex",
    "BanApiGeocoder",
    "DisplayedLocation",
    "GeocodeResult",
    "Geocoder",
    "GeocoderUnavailableError",
    "HeatBins",
    "InputError",
    "LocationBlurrer",
    "ParsedQuery",
    "RepairReport",
    "as_multipolygon",
    "bin_lonlat",
    "bin_xy",
    "cell_polygons",
    "check_file",
    "check_insee",
    "check_lonlat_bounds",
    "check_query",
    "count_data_lines",
    "distance_m",
    "exact_location",
    "fold",
    "hex_axial",
    "metric_crs",
    "parse_query",
    "polygonal_part",
    "read_ban_chunks",
    "read_vector_file",
    "repair_all",
    "repair_polygonal",
    "require_metric",
    "street_key",
    "to_metric",
    "transform_geom",
    "transform_xy",
    "write_vector_file",
]
