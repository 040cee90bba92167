"""Household weight of each block: BAN address points when given, else a capped-area proxy.

The proxy
---------
Without addresses, a block's weight is its area, capped at the median block area of the commune::

    weight = min(area_m2, cap),  cap = median(area_m2)   (or a cap given by the caller)

Why: in a town, households grow roughly with the area of ordinary residential blocks, but the largest
enclosures (woods, fields, campuses, stations, the outskirts that the street file does not cover) hold few
homes for their size. Capping them at the size of a typical block keeps them from swallowing a whole
sector's share, and keeps every block lighter than a quarter of a sector whenever there are at least four
blocks per sector, which is what lets the generator reach its balance target. It remains a proxy: give the
BAN address file (``--addresses``) for a real count.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely


def capped_area_weights(areas: np.ndarray, cap: float | None = None) -> tuple[np.ndarray, float]:
    """Block weights from areas, capped at ``cap`` (default: the median area). Returns ``(weights, cap)``."""
    areas = np.asarray(areas, dtype=float)
    if cap is None:
        cap = float(np.median(areas)) if len(areas) else 0.0
    return np.minimum(areas, cap), cap


def address_counts(blocks: gpd.GeoDataFrame, lonlat: np.ndarray) -> np.ndarray:
    """Number of address points in each block (a point on a shared edge counts for the first block only).

    Parameters
    ----------
    blocks
        Block polygons in a metric CRS, index ``0..n-1``.
    lonlat
        ``(m, 2)`` array of WGS84 longitudes and latitudes.

    Returns
    -------
    numpy.ndarray
        Float counts, one per block; points outside every block are ignored.
    """
    if len(lonlat) == 0:
        return np.zeros(len(blocks))
    points = gpd.GeoSeries(shapely.points(lonlat), crs=4326).to_crs(blocks.crs)
    tree = shapely.STRtree(np.asarray(blocks.geometry.array))
    pt, blk = tree.query(np.asarray(points.array), predicate="intersects")
    if len(pt) == 0:
        return np.zeros(len(blocks))
    # Deterministic tie-break on shared edges: the lowest block index wins.
    order = np.lexsort((blk, pt))
    pt, blk = pt[order], blk[order]
    first = np.concatenate([[True], pt[1:] != pt[:-1]])
    return np.bincount(blk[first], minlength=len(blocks)).astype(float)


__all__ = ["address_counts", "capped_area_weights"]
