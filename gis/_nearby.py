"""Polygons indexed in a metric CRS: which ones cover a point, which ones lie within a distance of it."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import shapely
from shapely import STRtree
from shapely.geometry.base import BaseGeometry

from gis._crs import require_metric
from gis._project import transform_geom, transform_xy


class AreaIndex:
    """Polygons given in EPSG:4326, kept projected in ``epsg`` (metres) with an R-tree.

    Parameters
    ----------
    keys : sequence of int
        One identifier per polygon (answers are sorted by key, so they are deterministic).
    geoms : sequence of shapely geometries
        The polygons, in EPSG:4326.
    epsg : int
        A projected CRS in metres (the commune's: see :func:`gis.metric_crs`).
    """

    def __init__(self, keys: Sequence[int], geoms: Sequence[BaseGeometry], epsg: int) -> None:
        require_metric(epsg, "L'index de proximité des secteurs")
        if len(keys) != len(geoms):
            raise ValueError("keys and geoms differ in length")
        self.epsg = epsg
        self.keys = np.asarray(keys, dtype=np.int64)
        self.geoms = np.asarray(list(geoms), dtype=object)
        self.metric = np.asarray(transform_geom(self.geoms, 4326, epsg), dtype=object)  # type: ignore[arg-type, type-var]
        shapely.prepare(self.metric)
        self.tree = STRtree(self.metric)

    def to_metric(self, lon: float, lat: float) -> shapely.Point:
        """The point (lon, lat) in the index's metric CRS."""
        x, y = transform_xy(np.array([lon]), np.array([lat]), 4326, self.epsg)
        return shapely.Point(float(x[0]), float(y[0]))

    def covering(self, point_m: shapely.Point) -> list[int]:
        """Keys of the polygons covering ``point_m`` (boundary included), sorted."""
        idx = self.tree.query(point_m, predicate="covered_by")
        return sorted(int(self.keys[i]) for i in idx)

    def within(self, point_m: shapely.Point, distance_m: float) -> dict[int, float]:
        """Key -> distance (m) of every polygon within ``distance_m`` of ``point_m`` (0 when covering)."""
        idx = self.tree.query(point_m, predicate="dwithin", distance=distance_m)
        dists = shapely.distance(self.metric[idx], point_m) if len(idx) else np.array([])
        return {int(self.keys[i]): float(d) for i, d in sorted(zip(idx, dists, strict=True), key=lambda t: t[0])}

    def near(self, geom_m: BaseGeometry, distance_m: float) -> list[int]:
        """Keys of the polygons within ``distance_m`` of ``geom_m`` (any geometry, metric CRS), sorted."""
        idx = self.tree.query(geom_m, predicate="dwithin", distance=distance_m)
        return sorted(int(self.keys[i]) for i in idx)
