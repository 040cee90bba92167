"""Synthetic sector sets, built by code with a seed: for tests, the demo and the benchmarks."""

from __future__ import annotations

import string

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from gis import polygonal_part, transform_geom


def grid_sectors(boundary: BaseGeometry, epsg: int, nx: int = 3, ny: int = 3) -> gpd.GeoDataFrame:
    """Cut a commune (EPSG:4326 boundary) into an ``nx`` x ``ny`` grid clipped to it, in EPSG:4326.

    Cells are cut in the metric CRS ``epsg``; empty cells are dropped; names are "Secteur A1", "Secteur B1"…
    """
    metric = transform_geom(boundary, 4326, epsg)
    minx, miny, maxx, maxy = metric.bounds
    xs = np.linspace(minx, maxx, nx + 1)
    ys = np.linspace(miny, maxy, ny + 1)
    names, geoms = [], []
    for j in range(ny):
        for i in range(nx):
            cell = shapely.intersection(shapely.box(xs[i], ys[j], xs[i + 1], ys[j + 1]), metric)
            part = polygonal_part(cell)
            if part is None or part.area < 1.0:
                continue
            names.append(f"Secteur {string.ascii_uppercase[i % 26]}{j + 1}")
            geoms.append(transform_geom(part, epsg, 4326))
    return gpd.GeoDataFrame({"nom": names}, geometry=geoms, crs=4326)


def voronoi_sectors(
    bounds: tuple[float, float, float, float], n: int, *, seed: int = 0, densify: float | None = None
) -> gpd.GeoDataFrame:
    """``n`` Voronoi sectors tiling the box ``bounds`` (EPSG:4326), optionally densified (more vertices)."""
    rng = np.random.default_rng(seed)
    minx, miny, maxx, maxy = bounds
    seeds = shapely.multipoints(np.column_stack([rng.uniform(minx, maxx, n), rng.uniform(miny, maxy, n)]))
    env = shapely.box(*bounds)
    cells = shapely.intersection(shapely.get_parts(shapely.voronoi_polygons(seeds, extend_to=env)), env)
    if densify:
        cells = shapely.segmentize(cells, densify)
    return gpd.GeoDataFrame({"nom": [f"Secteur {k + 1}" for k in range(len(cells))]}, geometry=cells, crs=4326)
