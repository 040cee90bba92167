"""Helpers shared by the members tests: a commune around the real BAN rows, sectors, members."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import shapely
from pyproj import Transformer
from shapely.geometry import MultiPolygon, Polygon, box
from shapely.ops import transform
from sqlalchemy.orm import Session

from store.schema import Commune, Sector, SectorSet, SetStatus

BAN_FILE = "ban/ban_adresses_paris13_butte-aux-cailles.csv"
_TO_L93 = Transformer.from_crs(4326, 2154, always_xy=True).transform
_TO_WGS = Transformer.from_crs(2154, 4326, always_xy=True).transform


def ban_rows(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, sep=";", dtype=str, keep_default_na=False)


def hull_boundary(path: Path, buffer_m: float = 60.0) -> MultiPolygon:
    """The convex hull of the file's points, buffered by ``buffer_m`` metres, in EPSG:4326."""
    rows = ban_rows(path)
    points = shapely.multipoints(list(zip(rows["lon"].astype(float), rows["lat"].astype(float), strict=True)))
    hull = transform(_TO_L93, points.convex_hull).buffer(buffer_m)
    return MultiPolygon([transform(_TO_WGS, hull)])


def add_commune(session: Session, insee: str, name: str, boundary: MultiPolygon) -> Commune:
    commune = Commune(
        insee=insee, name=name, crs_epsg=2154, boundary=boundary, area_m2=transform(_TO_L93, boundary).area
    )
    session.add(commune)
    session.flush()
    return commune


def split_sectors(session: Session, commune: Commune, parts: int = 2, referent_places: int = 2) -> list[Sector]:
    """An active sector set cutting the commune into ``parts`` vertical strips (codes S1, S2…)."""
    minx, miny, maxx, maxy = commune.boundary.bounds
    width = (maxx - minx) / parts
    sector_set = SectorSet(commune_id=commune.id, version=1, label="test", source="test", status=SetStatus.ACTIVE)
    session.add(sector_set)
    session.flush()
    sectors = []
    for i in range(parts):
        strip = box(minx + i * width, miny - 1e-6, minx + (i + 1) * width, maxy + 1e-6)
        part = commune.boundary.intersection(strip)
        geom = part if isinstance(part, MultiPolygon) else MultiPolygon([p for p in [part] if isinstance(p, Polygon)])
        sector = Sector(
            sector_set_id=sector_set.id,
            code=f"S{i + 1}",
            name=f"Secteur {i + 1}",
            referent_places=referent_places,
            area_m2=transform(_TO_L93, geom).area,
            geom=geom,
        )
        session.add(sector)
        sectors.append(sector)
    session.flush()
    return sectors
