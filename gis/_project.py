"""Projection between EPSG:4326 and a commune's metric CRS."""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

if TYPE_CHECKING:
    from pyproj import Transformer


@lru_cache(maxsize=32)
def _transformer(src: int, dst: int) -> Transformer:
    from pyproj import Transformer  # PROJ loads on the first transformation, not on import

    return Transformer.from_crs(src, dst, always_xy=True)


def transform_geom(geom: BaseGeometry, src: int, dst: int) -> BaseGeometry:
    """Reproject shapely geometries (one or an array) between two EPSG codes; x is longitude/easting."""
    if src == dst:
        return geom
    t = _transformer(src, dst)

    def move(xy: np.ndarray) -> np.ndarray:
        x, y = t.transform(xy[:, 0], xy[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(geom, move)


# Longest edge kept straight when projecting for measurements: a straight edge in degrees is a curve in
# metres, and a long one projected as a chord is off by metres (a 15 km edge: tens of metres). Edges of
# 1e-3° (≈ 100 m) are off by well under a millimetre.
MEASURE_DENSIFY_DEG = 1e-3


def to_metric(geom: BaseGeometry, epsg: int) -> BaseGeometry:
    """Project geometries from EPSG:4326 to the metric CRS ``epsg`` for measuring (areas, distances, overlaps).

    Long edges are densified first so that what is compared in metres is the shape the lookups see in degrees.
    """
    return transform_geom(shapely.segmentize(geom, MEASURE_DENSIFY_DEG), 4326, epsg)


def transform_xy(x: np.ndarray, y: np.ndarray, src: int, dst: int) -> tuple[np.ndarray, np.ndarray]:
    """Reproject coordinate arrays between two EPSG codes."""
    if src == dst:
        return np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    xs, ys = _transformer(src, dst).transform(np.asarray(x, dtype=float), np.asarray(y, dtype=float))
    return np.asarray(xs), np.asarray(ys)
