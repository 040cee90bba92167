"""Pure spatial toolkit: CRS choice, validation and repair, file reading, BAN addresses and geocoding.

This package imports nothing else of Voisinage.
"""

from gis._ban import BAN_COLUMNS, count_data_lines, read_ban_chunks
from gis._ban_api import BanApiGeocoder, GeocoderUnavailableError
from gis._errors import InputError
from gis._geocode import AddressIndex, Geocoder, GeocodeResult, ParsedQuery, check_query, distance_m, parse_query
from gis._normalize import fold, street_key

__all__ = [
    "BAN_COLUMNS",
    "AddressIndex",
    "BanApiGeocoder",
    "GeocodeResult",
    "Geocoder",
    "GeocoderUnavailableError",
    "InputError",
    "ParsedQuery",
    "check_query",
    "count_data_lines",
    "distance_m",
    "fold",
    "parse_query",
    "read_ban_chunks",
    "street_key",
]
