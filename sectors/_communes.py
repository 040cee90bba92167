"""Communes: registration from a boundary file, look-up by INSEE code."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import shapely
from shapely.geometry.base import BaseGeometry
from sqlalchemy import select
from sqlalchemy.orm import Session

from gis import (
    InputError,
    as_multipolygon,
    check_insee,
    metric_crs,
    repair_polygonal,
    to_metric,
)
from store._rls import bind_commune, bind_platform
from store.schema import Commune

if TYPE_CHECKING:
    import geopandas as gpd

# Properties holding the INSEE code in the files communes hand over (IGN, OSM, cosmogony, Admin Express).
INSEE_FIELDS = ("code", "ref:INSEE", "insee", "INSEE_COM", "code_insee", "CODE_INSEE", "INSEE")


def pick_commune(gdf: gpd.GeoDataFrame, insee: str, source: str) -> BaseGeometry:
    """The boundary of commune ``insee`` in ``gdf``: the only feature, or the one whose INSEE field matches."""
    fields = [f for f in INSEE_FIELDS if f in gdf.columns]
    if fields:
        match = gdf[gdf[fields].astype(str).apply(lambda col: col.str.strip().str.upper()).eq(insee).any(axis=1)]
        if len(match) == 1:
            return match.geometry.iloc[0]
        if len(match) > 1:
            raise InputError(f"{source} contient {len(match)} communes de code {insee} : gardez-en une seule.")
        raise InputError(
            f"Code INSEE inconnu dans {source} : aucune commune n'a {insee} dans "
            f"{' / '.join(fields)} ({len(gdf)} objets lus). Vérifiez le code ou le fichier."
        )
    if len(gdf) > 1:
        raise InputError(
            f"{source} contient {len(gdf)} objets mais aucun champ de code INSEE "
            f"({', '.join(INSEE_FIELDS)}) : impossible de choisir la commune {insee}."
        )
    return gdf.geometry.iloc[0]


def load_boundary(path: str | Path, insee: str, *, max_mb: float, min_area_ratio: float = 0.99) -> shapely.MultiPolygon:
    """Read, pick and validate the boundary of commune ``insee`` from a GeoJSON / GeoPackage / Shapefile."""
    from gis import read_vector_file  # geopandas: only when a file is read

    code = check_insee(insee)
    gdf = read_vector_file(path, max_mb=max_mb)
    geom = pick_commune(gdf, code, Path(path).name)
    return as_multipolygon(
        repair_polygonal(geom, min_area_ratio=min_area_ratio, label=f"Le contour de la commune {code}")
    )


def register_commune(session: Session, insee: str, name: str, boundary: BaseGeometry) -> Commune:
    """Register a commune (boundary in EPSG:4326). Refuses a code already registered."""
    code = check_insee(insee)
    name = name.strip()
    if not name:
        raise InputError("Le nom de la commune est vide.")
    if registered_commune(session, code) is not None:
        raise InputError(f"La commune {code} est déjà enregistrée.")
    boundary = as_multipolygon(repair_polygonal(boundary, label=f"Le contour de la commune {code}"))
    epsg = metric_crs(code)
    commune = Commune(
        insee=code,
        name=name,
        crs_epsg=epsg,
        boundary=boundary,
        area_m2=float(to_metric(boundary, epsg).area),
    )
    bind_platform(session)  # creating a commune is a platform operation
    session.add(commune)
    session.flush()
    bind_commune(session, commune.id)
    return commune


def registered_commune(session: Session, code: str) -> Commune | None:
    """The commune of normalised INSEE code ``code`` if it is registered, else None."""
    return session.scalar(select(Commune).where(Commune.insee == code))


def get_commune(session: Session, insee: str) -> Commune:
    """The registered commune ``insee``: the one commune look-up of every package and service.

    The transaction is bound to that commune (PostGIS row-level security: only its rows are seen from now on).

    Raises
    ------
    InputError
        ``field="commune"``: a malformed code, or a commune not registered (the message says how to register it).
    """
    try:
        code = check_insee(insee)
    except InputError as exc:
        raise InputError(exc.message, exc.problems, field="commune") from exc
    commune = registered_commune(session, code)
    if commune is None:
        raise InputError(
            f"La commune {code} n'est pas enregistrée : enregistrez-la d'abord avec son contour "
            "(voisinage commune add).",
            field="commune",
        )
    bind_commune(session, commune.id)
    return commune


def list_communes(session: Session) -> list[Commune]:
    """Every registered commune, by INSEE code."""
    return list(session.scalars(select(Commune).order_by(Commune.insee)))
