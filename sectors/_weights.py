"""Household weight of each block: BAN address points when given, else the OSM buildings, else a capped-area proxy.

Buildings
---------
Without addresses but with OSM buildings in the extract, a block weighs the footprint area of the buildings
whose representative point lies in it (homes grow with built floor space far more than with land), plus a
small share of the capped-area proxy so that a block without mapped buildings still counts a little
(:data:`UNMAPPED_SHARE`): OSM building coverage is rarely complete.

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


#: Share of the capped-area proxy added to the building footprints (blocks whose buildings are not mapped).
UNMAPPED_SHARE = 0.05


def building_weights(blocks: gpd.GeoDataFrame, buildings: gpd.GeoDataFrame, cap: float | None = None) -> np.ndarray:
    """Block weights from OSM building footprints (same metric CRS), see the module notes.

    Parameters
    ----------
    blocks
        Block polygons, index ``0..n-1``, column ``area_m2``.
    buildings
        Building footprints (Polygon/MultiPolygon).
    cap
        Cap of the area proxy mixed in (default: the median block area).

    Returns
    -------
    numpy.ndarray
        One float per block: footprint m² of its buildings, plus ``UNMAPPED_SHARE`` of its capped area.
    """
    proxy, _ = capped_area_weights(blocks["area_m2"].to_numpy(), cap)
    footprints = np.zeros(len(blocks))
    if len(buildings):
        geoms = np.asarray(buildings.geometry.array)
        reps = shapely.point_on_surface(geoms)
        tree = shapely.STRtree(np.asarray(blocks.geometry.array))
        pt, blk = tree.query(reps, predicate="intersects")
        if len(pt):
            order = np.lexsort((blk, pt))
            pt, blk = pt[order], blk[order]
            first = np.concatenate([[True], pt[1:] != pt[:-1]])
            np.add.at(footprints, blk[first], shapely.area(geoms[pt[first]]))
    # Scaled so the proxy part stays a small share of the total whatever the units.
    scale = footprints.sum() / proxy.sum() if proxy.sum() > 0 and footprints.sum() > 0 else 1.0
    return footprints + UNMAPPED_SHARE * scale * proxy


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


__all__ = ["UNMAPPED_SHARE", "address_counts", "building_weights", "capped_area_weights"]
