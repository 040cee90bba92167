"""Pure spatial toolkit: CRS choice, validation and repair, file reading, and more.

This package imports nothing else of Voisinage.
"""

from gis._errors import InputError

__all__ = ["InputError"]
