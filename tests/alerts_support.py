"""Helpers for the alerts tests: the real Bouray-sur-Juine boundary cut into a grid of sectors."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry import box
from sqlalchemy.orm import Session

from gis import as_multipolygon, transform_geom
from sectors import import_sector_set, load_boundary, register_commune
from store.schema import Commune

BOURAY_FILE = "boundaries/bouray-sur-juine_91095_osm-relation-396777.geojson"
BOURAY = "91095"
L93 = 2154


def bouray_boundary(path: Path) -> shapely.MultiPolygon:
    return load_boundary(path, BOURAY, max_mb=50)


def grid_sectors(boundary: shapely.Geometry, nx: int = 3, ny: int = 3) -> gpd.GeoDataFrame:
    """The commune cut by an ``nx`` x ``ny`` grid in Lambert-93; cells that miss it are dropped.

    Codes are "<row><col>" (A1, A2… from the south-west), names "Secteur A1"…, geometries in EPSG:4326.
    """
    metric = transform_geom(boundary, 4326, L93)
    minx, miny, maxx, maxy = metric.bounds
    xs, ys = np.linspace(minx, maxx, nx + 1), np.linspace(miny, maxy, ny + 1)
    names, codes, geoms = [], [], []
    for r in range(ny):
        for c in range(nx):
            part = metric.intersection(box(xs[c], ys[r], xs[c + 1], ys[r + 1]))
            polys = [p for p in shapely.get_parts(part) if p.geom_type == "Polygon" and p.area > 1.0]
            if polys:
                names.append(f"Secteur {chr(ord('A') + r)}{c + 1}")
                codes.append(f"{chr(ord('A') + r)}{c + 1}")
                geoms.append(as_multipolygon(transform_geom(shapely.MultiPolygon(polys), L93, 4326)))
    return gpd.GeoDataFrame({"nom": names, "code": codes}, geometry=geoms, crs=4326)


def register_gridded(
    session: Session, insee: str, name: str, boundary: shapely.Geometry, nx: int = 3, ny: int = 3
) -> Commune:
    """A commune registered with an active grid sector set (codes A1…)."""
    commune = register_commune(session, insee, name, boundary)
    import_sector_set(session, commune, grid_sectors(boundary, nx, ny), name_field="nom", activate=True)
    return commune


def inner_point(geom: shapely.Geometry, margin_m: float = 250.0) -> tuple[float, float]:
    """A (lon, lat) ``margin_m`` inside ``geom`` (EPSG:4326), or less for a sector too thin for it."""
    metric = transform_geom(geom, 4326, L93)
    margin = margin_m
    core = metric.buffer(-margin)
    while core.is_empty:  # a thin sector: come closer to its border
        margin /= 2
        core = metric.buffer(-margin)
    p = transform_geom(core.representative_point(), L93, 4326)
    return (p.x, p.y)
