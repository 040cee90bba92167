"""Helpers for the alerts tests: the real Bouray-sur-Juine boundary cut into a grid of sectors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry import box
from sqlalchemy import select
from sqlalchemy.orm import Session

from alerts import clear_caches
from gis import as_multipolygon, transform_geom
from sectors import import_sector_set, load_boundary, register_commune
from store import bind_commune, transaction
from store.schema import Commune, Member, MemberStatus, ReferentAssignment, Role, Sanction, SanctionKind, Sector

BOURAY_FILE = "boundaries/bouray-sur-juine_91095_osm-relation-396777.geojson"
BOURAY = "91095"
NEIGHBOURS_FILE = "boundaries/bouray-sur-juine_and_neighbours_osm.geojson"
LARDY = "91330"
T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
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


def add_member(session, commune, email, role="resident", sector=None, status=MemberStatus.VERIFIED) -> Member:
    bind_commune(session, commune.id)  # PostGIS row-level security: a member is written within its commune
    m = Member(
        commune_id=commune.id,
        email=email,
        name=email.split("@")[0].capitalize(),
        role=Role(role),
        status=status,
        sector_code=sector,
    )
    session.add(m)
    session.flush()
    return m


def build_world(engine, shared_file):
    """Bouray (sectors A1…C3) with members in A1 and C3, a referent of A1, the mairie, the gendarmerie;
    Lardy with one resident."""
    clear_caches()
    with transaction(engine) as s:
        bouray = register_gridded(s, BOURAY, "Bouray-sur-Juine", bouray_boundary(shared_file(BOURAY_FILE)))
        lardy_boundary = load_boundary(shared_file(NEIGHBOURS_FILE), LARDY, max_mb=50)
        lardy = register_gridded(s, LARDY, "Lardy", lardy_boundary, 2, 2)
        add_member(s, bouray, "alice@a.fr", sector="A1")
        add_member(s, bouray, "bob@a.fr", sector="C3")
        add_member(s, bouray, "claire@a.fr", sector="A1", status=MemberStatus.PENDING)
        ref = add_member(s, bouray, "ref@a.fr", role="referent", sector="B2")
        s.add(ReferentAssignment(commune_id=bouray.id, member_id=ref.id, sector_code="A1"))
        add_member(s, bouray, "mairie@a.fr", role="mairie_agent")
        add_member(s, bouray, "gend@a.fr", role="gendarmerie")
        susp = add_member(s, bouray, "susp@a.fr", sector="A1")
        s.add(Sanction(member_id=susp.id, kind=SanctionKind.SUSPENSION, reason="test", starts_at=T0 - timedelta(days=1),
                       ends_at=T0 + timedelta(days=30)))  # fmt: skip
        add_member(s, lardy, "lea@lardy.fr", sector="A1")
        geoms = {}
        for c in (bouray, lardy):
            bind_commune(s, c.id)
            for sec in s.scalars(select(Sector).join(Sector.sector_set).where(Sector.sector_set.has(commune_id=c.id))):
                geoms[(c.insee, sec.code)] = sec.geom
    return {"engine": engine, "geoms": geoms, "bouray_id": bouray.id, "lardy_id": lardy.id}


def who(bind, email: str):
    """The member of e-mail ``email`` as the acting :class:`community.Actor` (what signing in gives the app).

    ``bind`` is an engine, or a session already open.
    """
    from community import Actor
    from gis import InputError

    def find(s: Session):
        from helpers import member_by_email

        member = member_by_email(s, email)
        if member is None or member.status == MemberStatus.DELETED:
            raise InputError(f"Aucun membre n'a l'adresse électronique « {email} ».")
        return Actor.of_member(member)

    if isinstance(bind, Session):
        return find(bind)
    with transaction(bind) as s:
        return find(s)


def count_rows(world, model, *where) -> int:
    """Rows of ``model`` (matching ``where``) in both communes of the world (see ``count_in_every_commune``)."""
    from helpers import count_in_every_commune

    with transaction(world["engine"]) as s:
        return count_in_every_commune(s, model, *where)
