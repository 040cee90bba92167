"""Street blocks: the enclosures of a commune, as momepy builds them.

Drivable streets, railways and waterways are the barriers; the commune boundary closes every enclosure, so
the blocks partition the commune exactly even where the street file does not cover it (the outer blocks
are then large). As ``momepy.enclosures``, :func:`enclosures` polygonizes the noded barriers and keeps the
faces inside the limit.
"""

from __future__ import annotations

from collections.abc import Iterable

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from gis._errors import InputError
from gis._streets import filter_tags

#: Drivable street classes (OSM ``highway``), from motorways down to living streets.
DRIVABLE_HIGHWAYS: tuple[str, ...] = (
    "motorway",
    "motorway_link",
    "trunk",
    "trunk_link",
    "primary",
    "primary_link",
    "secondary",
    "secondary_link",
    "tertiary",
    "tertiary_link",
    "unclassified",
    "residential",
    "living_street",
)
#: Railways that cut the ground (trams run in the street and are not barriers).
BARRIER_RAILWAYS: tuple[str, ...] = ("rail", "light_rail", "narrow_gauge", "subway")
#: Waterways that cut the ground (streams and ditches are crossed everywhere).
BARRIER_WATERWAYS: tuple[str, ...] = ("river", "canal")


def _is_metric(frame: gpd.GeoDataFrame | gpd.GeoSeries) -> bool:
    return frame.crs is not None and frame.crs.is_projected


def barrier_lines(
    streets: gpd.GeoDataFrame,
    *,
    highways: Iterable[str] = DRIVABLE_HIGHWAYS,
    railways: Iterable[str] = BARRIER_RAILWAYS,
    waterways: Iterable[str] = BARRIER_WATERWAYS,
) -> gpd.GeoDataFrame:
    """The street frame rows that bound blocks: drivable streets, railways, waterways (no tunnels).

    Adds a column ``kind`` (``highway``/``railway``/``waterway``).
    """
    masks = {
        "highway": filter_tags(streets, "highway", highways),
        "railway": filter_tags(streets, "railway", railways),
        "waterway": filter_tags(streets, "waterway", waterways),
    }
    kind = np.full(len(streets), "", dtype=object)
    for name in ("waterway", "railway", "highway"):  # a street wins over a railway on the same way
        kind[masks[name]] = name
    out = streets.assign(kind=kind)
    return out[kind != ""]


def build_blocks(
    streets: gpd.GeoDataFrame,
    boundary: BaseGeometry,
    *,
    highways: Iterable[str] = DRIVABLE_HIGHWAYS,
    railways: Iterable[str] = BARRIER_RAILWAYS,
    waterways: Iterable[str] = BARRIER_WATERWAYS,
    min_area_m2: float = 500.0,
    min_width_m: float = 10.0,
) -> gpd.GeoDataFrame:
    """Cut a commune into street blocks (enclosures).

    Parameters
    ----------
    streets
        Canonical street frame (:func:`gis.load_streets`) in a metric CRS.
    boundary
        The commune's (Multi)Polygon, in the same CRS as ``streets``.
    highways, railways, waterways
        The OSM values that act as barriers (defaults: :data:`DRIVABLE_HIGHWAYS`, :data:`BARRIER_RAILWAYS`,
        :data:`BARRIER_WATERWAYS`). Tunnels and culverts never cut.
    min_area_m2, min_width_m
        Faces smaller than ``min_area_m2`` or narrower than ``min_width_m`` (traffic islands, strips between
        carriageways or along slip roads) are merged into the neighbour they share their longest edge with,
        so that the blocks still partition the commune. Zero for both keeps every face.

    Returns
    -------
    GeoDataFrame
        One row per block, index ``0..n-1``: ``area_m2`` and a valid ``Polygon`` geometry, in the CRS of
        ``streets``. The union of the blocks is the commune; blocks do not overlap.

    Raises
    ------
    InputError
        Unprojected input, or no barrier line inside the commune.
    """
    if not _is_metric(streets):
        raise InputError(
            "Les blocs se calculent en mètres : reprojetez les rues dans la projection métrique de la commune "
            "(gis.load_streets(..., crs=gis.metric_crs(insee)))."
        )
    barriers = barrier_lines(streets, highways=highways, railways=railways, waterways=waterways)
    limit = shapely.make_valid(boundary)
    if barriers.empty or not barriers.intersects(limit).any():
        raise InputError(
            "Aucune rue carrossable, voie ferrée ni rivière ne traverse la commune : impossible de la découper "
            "en îlots. Vérifiez le fichier de rues (il doit contenir des voies highway=residential, tertiary…)."
        )
    # Only the parts inside (or on) the commune matter; cutting here keeps polygonize small.
    lines = gpd.GeoSeries(shapely.intersection(barriers.geometry.array, limit), crs=streets.crs)
    lines = lines[~lines.is_empty]
    geoms = enclosures(lines.to_numpy(), limit)
    geoms = geoms[shapely.area(geoms) > 0]
    if min_area_m2 > 0 or min_width_m > 0:
        geoms = _merge_slivers(geoms, min_area_m2, min_width_m)
    geoms = np.asarray([shapely.make_valid(g) if not g.is_valid else g for g in geoms], dtype=object)
    order = _spatial_order(geoms)
    geoms = geoms[order]
    return gpd.GeoDataFrame({"area_m2": shapely.area(geoms)}, geometry=geoms, crs=streets.crs)


def enclosures(barriers: np.ndarray, limit: BaseGeometry) -> np.ndarray:
    """The faces of the barrier lines closed by the limit's boundary, kept when inside the limit.

    This is ``momepy.enclosures(barriers, limit, clip=True)`` (polygonize the union of the barriers and the
    limit's boundary, keep the faces whose representative point lies in the limit), written with shapely
    alone because importing momepy (and libpysal with it) takes several seconds, more than the whole
    generation; ``tests/test_blocks.py`` checks that both give the same blocks.
    """
    noded = shapely.union_all(np.append(barriers, shapely.boundary(limit)))  # type: ignore[arg-type]
    faces = shapely.get_parts(shapely.polygonize(shapely.get_parts(noded)))
    if len(faces) == 0:
        return faces
    keep = shapely.contains(limit, shapely.point_on_surface(faces))
    return faces[keep]


def _spatial_order(geoms: np.ndarray) -> np.ndarray:
    """A deterministic order of the blocks (north to south, then west to east, by representative point)."""
    points = shapely.point_on_surface(geoms)
    x, y = shapely.get_x(points), shapely.get_y(points)
    return np.lexsort((np.round(x, 3), -np.round(y, 3)))


def _is_sliver(geoms: np.ndarray, min_area_m2: float, min_width_m: float) -> np.ndarray:
    area = shapely.area(geoms)
    # 2 * area / perimeter is half the width of a long strip (and half the side of a square).
    width = 2 * area / np.maximum(shapely.length(geoms), 1e-9)
    return (area < min_area_m2) | (2 * width < min_width_m)


def _find(parent: np.ndarray, i: int) -> int:
    """Root of ``i`` in a union-find forest (with path halving)."""
    while parent[i] != i:
        parent[i] = parent[parent[i]]
        i = int(parent[i])
    return i


def _merge_slivers(geoms: np.ndarray, min_area_m2: float, min_width_m: float) -> np.ndarray:
    """Merge every sliver (small or thin face) into the neighbour it shares its longest edge with."""
    for _ in range(20):  # a sliver merged into a sliver may still be one: a few rounds
        sliver = _is_sliver(geoms, min_area_m2, min_width_m)
        if not sliver.any() or len(geoms) < 2:
            return geoms
        tree = shapely.STRtree(geoms)
        src, dst = tree.query(geoms[sliver], predicate="intersects")
        src = np.flatnonzero(sliver)[src]
        keep = src != dst
        src, dst = src[keep], dst[keep]
        shared = shapely.length(shapely.intersection(shapely.boundary(geoms[src]), shapely.boundary(geoms[dst])))
        ok = shared > 0  # a real shared edge, not a touching point
        src, dst, shared = src[ok], dst[ok], shared[ok]
        if len(src) == 0:
            return geoms
        # Prefer a neighbour that is not itself a sliver, then the longest shared edge, then the lowest index.
        order = np.lexsort((dst, -shared, sliver[dst], src))
        src, dst = src[order], dst[order]
        first = np.concatenate([[True], src[1:] != src[:-1]])
        parent = np.arange(len(geoms))
        for a, b in zip(src[first].tolist(), dst[first].tolist(), strict=True):
            ra, rb = _find(parent, a), _find(parent, b)
            if ra != rb:
                parent[max(ra, rb)] = min(ra, rb)
        roots = np.asarray([_find(parent, i) for i in range(len(geoms))])
        merged = []
        for root in np.unique(roots):
            members = geoms[roots == root]
            merged.append(members[0] if len(members) == 1 else shapely.union_all(members))
        new = np.asarray(merged, dtype=object)
        if len(new) == len(geoms):
            return geoms
        geoms = new
    return geoms


def block_adjacency(blocks: gpd.GeoDataFrame, min_shared_m: float = 0.01) -> pd.DataFrame:
    """Pairs of blocks sharing an edge, not only a point.

    Columns ``a``, ``b`` (a < b), ``length``, ``mid_x``, ``mid_y``.

    ``mid_x``/``mid_y`` is a point of the shared edge, used to find the street that separates the two blocks.
    """
    geoms = np.asarray(blocks.geometry.array)
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="intersects")
    keep = left < right
    left, right = left[keep], right[keep]
    shared = shapely.intersection(shapely.boundary(geoms[left]), shapely.boundary(geoms[right]))
    length = shapely.length(shared)
    ok = length >= min_shared_m
    mids = shapely.point_on_surface(shared[ok]) if ok.any() else np.asarray([], dtype=object)
    return pd.DataFrame(
        {
            "a": left[ok].astype(np.int64),
            "b": right[ok].astype(np.int64),
            "length": length[ok],
            "mid_x": shapely.get_x(mids) if len(mids) else np.asarray([], dtype=float),
            "mid_y": shapely.get_y(mids) if len(mids) else np.asarray([], dtype=float),
        }
    )


__all__ = [
    "BARRIER_RAILWAYS",
    "BARRIER_WATERWAYS",
    "DRIVABLE_HIGHWAYS",
    "barrier_lines",
    "block_adjacency",
    "build_blocks",
    "enclosures",
]
