"""Pure spatial toolkit: CRS choice, validation and repair, file reading, and more.

This package imports nothing else of Voisinage.
"""

from gis._errors import InputError
from gis._heat import HEX, HEX_CONSTANTS, SQUARE, HeatBins, bin_lonlat, bin_xy, cell_polygons, hex_axial

__all__ = [
    "HEX",
    "HEX_CONSTANTS",
    "SQUARE",
    "HeatBins",
    "InputError",
    "bin_lonlat",
    "bin_xy",
    "cell_polygons",
    "hex_axial",
]
