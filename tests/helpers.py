"""Small builders shared by tests (synthetic data with seeds, real boundaries)."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import shapely
from sqlalchemy import Engine

from data.synthetic import grid_sectors
from sectors import import_sector_set, load_boundary, register_commune
from store import transaction

BOURAY = "91095"
BOURAY_OSM = "boundaries/bouray-sur-juine_91095_osm-relation-396777.geojson"
ESSONNE_IGN = "boundaries/communes-91-essonne_france-geojson_ign-2018.geojson"


def write_geojson(path: Path, geoms: list[shapely.Geometry], props: list[dict] | None = None) -> Path:
    """Write a FeatureCollection by hand (no library in between), EPSG:4326."""
    props = props or [{} for _ in geoms]
    doc = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": p, "geometry": json.loads(shapely.to_geojson(g))}
            for g, p in zip(geoms, props, strict=True)
        ],
    }
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def bouray_with_sectors(engine: Engine, boundary_file: Path, nx: int = 3, ny: int = 3) -> tuple[int, gpd.GeoDataFrame]:
    """Register Bouray-sur-Juine and activate a grid sector set; return (set id, sectors)."""
    boundary = load_boundary(boundary_file, BOURAY, max_mb=50)
    with transaction(engine) as session:
        commune = register_commune(session, BOURAY, "Bouray-sur-Juine", boundary)
        gdf = grid_sectors(boundary, commune.crs_epsg, nx, ny)
        outcome = import_sector_set(session, commune, gdf, activate=True)
        return outcome.sector_set.id, gdf
