"""Projection between EPSG:4326 and a commune's metric CRS."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import shapely
from pyproj import Transformer


@lru_cache(maxsize=32)
def _transformer(src: int, dst: int) -> Transformer:
    return Transformer.from_crs(src, dst, always_xy=True)


def transform_geom(geom: shapely.Geometry, src: int, dst: int) -> shapely.Geometry:
    """Reproject shapely geometries (one or an array) between two EPSG codes; x is longitude/easting."""
    if src == dst:
        return geom
    t = _transformer(src, dst)

    def move(xy: np.ndarray) -> np.ndarray:
        x, y = t.transform(xy[:, 0], xy[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(geom, move)


def transform_xy(x: np.ndarray, y: np.ndarray, src: int, dst: int) -> tuple[np.ndarray, np.ndarray]:
    """Reproject coordinate arrays between two EPSG codes."""
    if src == dst:
        return np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    xs, ys = _transformer(src, dst).transform(np.asarray(x, dtype=float), np.asarray(y, dtype=float))
    return np.asarray(xs), np.asarray(ys)
