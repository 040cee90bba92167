"""Pure spatial toolkit: CRS choice, coordinate checks, validation and repair, file reading, point location,
BAN addresses and geocoding, heat binning, OSM streets and street blocks.

This package imports nothing else of Voisinage.
"""

from typing import TYPE_CHECKING

from gis._lazy import lazy_exports

if TYPE_CHECKING:
    from gis._address_points import parse_certification, read_address_points
    from gis._ban import BAN_COLUMNS, count_data_lines, read_ban_chunks
    from gis._ban_api import BanApiGeocoder, GeocoderUnavailableError
    from gis._blocks import (
        BARRIER_RAILWAYS,
        BARRIER_WATERWAYS,
        DRIVABLE_HIGHWAYS,
        barrier_lines,
        block_adjacency,
        build_blocks,
    )
    from gis._blur import DisplayedLocation, exact_location
    from gis._coords import FRENCH_TERRITORIES, check_lonlat_bounds
    from gis._crs import LAMBERT_93, OVERSEAS_CRS, check_insee, metric_crs, require_metric
    from gis._errors import InputError
    from gis._geocode import AddressIndex, Geocoder, GeocodeResult, ParsedQuery, check_query, distance_m, parse_query
    from gis._heat import (
        HEX,
        SQUARE,
        HeatBins,
        bin_lonlat,
        bin_xy,
        cell_polygons,
        heat_bins,
        hex_axial,
        hex_from_keys,
        hex_keys,
        hex_steps,
    )
    from gis._io import check_file, read_vector_file, write_vector_file
    from gis._nearby import AreaIndex
    from gis._normalize import fold, street_key
    from gis._osm_features import LOCAL_PLACES, OsmFeatures, load_osm_features, read_osm_features
    from gis._osm_online import OsmnxStreetSource
    from gis._project import to_metric, transform_geom, transform_xy
    from gis._safe_text import escape_control, neutralise_formula, safe_cell
    from gis._sector_blur import SectorBlurrer
    from gis._streets import StreetSource, load_streets, read_street_file
    from gis._validate import (
        RepairReport,
        as_multipolygon,
        french_reason,
        invalid_reason,
        polygonal_part,
        repair_all,
        repair_polygonal,
    )

__getattr__, __dir__ = lazy_exports(__name__)

__all__ = [
    "BAN_COLUMNS",
    "BARRIER_RAILWAYS",
    "BARRIER_WATERWAYS",
    "DRIVABLE_HIGHWAYS",
    "FRENCH_TERRITORIES",
    "HEX",
    "LAMBERT_93",
    "LOCAL_PLACES",
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
    "OsmFeatures",
    "OsmnxStreetSource",
    "ParsedQuery",
    "RepairReport",
    "SectorBlurrer",
    "StreetSource",
    "as_multipolygon",
    "barrier_lines",
    "bin_lonlat",
    "bin_xy",
    "block_adjacency",
    "build_blocks",
    "cell_polygons",
    "check_file",
    "check_insee",
    "check_lonlat_bounds",
    "check_query",
    "count_data_lines",
    "distance_m",
    "escape_control",
    "exact_location",
    "fold",
    "french_reason",
    "heat_bins",
    "hex_axial",
    "hex_from_keys",
    "hex_keys",
    "hex_steps",
    "invalid_reason",
    "load_osm_features",
    "load_streets",
    "metric_crs",
    "neutralise_formula",
    "parse_certification",
    "parse_query",
    "polygonal_part",
    "read_address_points",
    "read_ban_chunks",
    "read_osm_features",
    "read_street_file",
    "read_vector_file",
    "repair_all",
    "repair_polygonal",
    "require_metric",
    "safe_cell",
    "street_key",
    "to_metric",
    "transform_geom",
    "transform_xy",
    "write_vector_file",
]
