"""Helpers shared by the members tests: a commune around the real BAN rows, sectors, members."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely
from pyproj import Transformer
from shapely.geometry import MultiPolygon, box
from sqlalchemy.orm import Session

from sectors import import_sector_set, register_commune
from store.schema import Commune, Sector

BAN_FILE = "ban/ban_adresses_paris13_butte-aux-cailles.csv"
COMMUNE = "75113"  # the world's one commune (build_world)
_TO_L93 = Transformer.from_crs(4326, 2154, always_xy=True).transform
_TO_WGS = Transformer.from_crs(2154, 4326, always_xy=True).transform


def transform(func, geom):
    return shapely.transform(geom, lambda x, y: func(x, y), interleaved=False)


def ban_rows(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, sep=";", dtype=str, keep_default_na=False)


def hull_boundary(path: Path, buffer_m: float = 60.0) -> MultiPolygon:
    """The convex hull of the file's points, buffered by ``buffer_m`` metres, in EPSG:4326."""
    rows = ban_rows(path)
    points = shapely.multipoints(list(zip(rows["lon"].astype(float), rows["lat"].astype(float), strict=True)))
    hull = transform(_TO_L93, points.convex_hull).buffer(buffer_m)
    return MultiPolygon([transform(_TO_WGS, hull)])


def add_commune(session: Session, insee: str, name: str, boundary: MultiPolygon) -> Commune:
    """Register the commune through the foundation's API."""
    return register_commune(session, insee, name, boundary)


def split_sectors(session: Session, commune: Commune, parts: int = 2, referent_places: int = 2) -> list[Sector]:
    """An active sector set cutting the commune into ``parts`` vertical strips (codes S1, S2…, west to east)."""
    minx, miny, maxx, maxy = commune.boundary.bounds
    width = (maxx - minx) / parts
    strips = [
        commune.boundary.intersection(box(minx + i * width, miny - 1e-6, minx + (i + 1) * width, maxy + 1e-6))
        for i in range(parts)
    ]
    gdf = gpd.GeoDataFrame(
        {
            "code": [f"S{i + 1}" for i in range(parts)],
            "nom": [f"Secteur {i + 1}" for i in range(parts)],
            "referents": [referent_places] * parts,
        },
        geometry=strips,
        crs=4326,
    )
    outcome = import_sector_set(session, commune, gdf, activate=True, label="test")
    return list(outcome.sector_set.sectors)


GOOD_PASSWORD = "Butte-aux-Cailles-2026!"
CHARTER_TEXT = "Charte de la participation citoyenne : je signale, je ne juge pas, je respecte la vie privée."


def build_world(engine, ban_path: Path, *, referent_places: int = 2) -> dict[str, int]:
    """BAN rows imported, commune 75113 around them, two active sectors (S1 west, S2 east), a charter."""
    from community import Actor, publish_charter
    from store import import_ban, transaction

    import_ban(engine, ban_path)
    with transaction(engine) as session:
        commune = add_commune(session, "75113", "Paris 13e Arrondissement", hull_boundary(ban_path))
        split_sectors(session, commune, parts=2, referent_places=referent_places)
        publish_charter(session, Actor.operator(), commune.id, CHARTER_TEXT)
        return {"commune_id": commune.id}


def add_staff(engine, email: str, role, *, password: str | None = GOOD_PASSWORD):
    """A staff account of commune 75113 registered by the operator (verified at once)."""
    from community import Actor, get_commune, register_member
    from store import transaction

    with transaction(engine) as session:
        commune = get_commune(session, "75113")
        reg = register_member(
            session,
            Actor.operator(),
            commune,
            email=email,
            name="Agent Test",
            role=role,
            password=password,
            channel="operator",
        )
        return reg.member.id


def add_resident(engine, email: str, address: str, *, verified: bool = True, password: str | None = GOOD_PASSWORD):
    """A resident signed up on the web (then verified by the operator when ``verified``)."""
    from community import Actor, get_commune, register_member, verify_member
    from store import transaction

    with transaction(engine) as session:
        commune = get_commune(session, "75113")
        reg = register_member(
            session,
            None,
            commune,
            email=email,
            name="Habitant Test",
            password=password,
            address=address,
            charter_version=1,
        )
        if verified:
            verify_member(session, Actor.operator(), reg.member, method="document")
        return reg.member.id


def bind_world(session: Session) -> Commune:
    """Bind the transaction to the world's commune (on PostGIS its rows are hidden until then, as in the app)."""
    from community import get_commune

    return get_commune(session, COMMUNE)


def world_member(session: Session, member_id: int):
    """Member ``member_id`` of the world's commune (the transaction bound to it first: :func:`bind_world`)."""
    from store.schema import Member

    bind_world(session)
    return session.get(Member, member_id)


def world_actor(session: Session, member_id: int):
    """:func:`world_member` as the acting :class:`community.Actor`."""
    from community import Actor

    return Actor.of_member(world_member(session, member_id))
