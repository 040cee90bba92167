"""Small builders shared by tests (synthetic data with seeds, real boundaries)."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import shapely
from sqlalchemy import Engine, Select, func, select, text
from sqlalchemy.orm import Session

from data.synthetic import grid_sectors
from sectors import import_sector_set, load_boundary, register_commune
from store import bind_commune, bind_scope_of, is_postgis, transaction
from store.schema import Commune, Member

BOURAY = "91095"
BOURAY_OSM = "boundaries/bouray-sur-juine_91095_osm-relation-396777.geojson"
ESSONNE_IGN = "boundaries/communes-91-essonne_france-geojson_ign-2018.geojson"
_BYPASSES_RLS = "SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user"


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


def count_in_every_commune(session: Session, model: type, *where: object) -> int:
    """Rows of ``model`` (matching ``where``) in every registered commune, each commune bound in turn.

    On PostGIS a commune's rows are hidden until the transaction is bound to it, as in the app: a count that
    spans communes adds up one count per commune. On SQLite, or as a role that bypasses row-level security
    (VOISINAGE_TEST_AS_OWNER), one count.
    """
    query: Select = select(func.count()).select_from(model).where(*where)  # type: ignore[arg-type]
    if not is_postgis(session) or session.scalar(text(_BYPASSES_RLS)):
        return int(session.scalar(query) or 0)
    total = 0
    for commune_id in session.scalars(select(Commune.id)).all():
        bind_commune(session, commune_id)
        total += int(session.scalar(query) or 0)
    return total


def member_by_email(session: Session, email: str) -> Member | None:
    """The member of e-mail ``email``, the transaction bound to its commune first (its scope, found as signing in
    finds it: on PostGIS a commune's members are hidden until then)."""
    key = email.strip().lower()
    bind_scope_of(session, "email", key)
    return session.scalar(select(Member).where(Member.email == key))
