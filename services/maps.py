"""What the map of a commune shows a signed-in member: its outline, its active sectors, their own sectors.

Geometries are shapely objects in EPSG:4326, ready for :mod:`layers`. Alerts come from :mod:`services.alerts`
(their displayed location), never from here.
"""

from __future__ import annotations

from dataclasses import dataclass

import shapely
from shapely.geometry.base import BaseGeometry

from services._core import Actor, ServiceError, unit_of_work


@dataclass(frozen=True)
class MapSector:
    """One sector of the active set: code, name, outline (WGS84)."""

    code: str
    name: str
    geometry: BaseGeometry


@dataclass(frozen=True)
class CommuneMap:
    """The commune's map: name, outline, active sectors, and the codes of the actor's own sectors."""

    insee: str
    name: str
    boundary: BaseGeometry
    sectors: tuple[MapSector, ...]
    own_sectors: frozenset[str]

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """lon/lat bounds of the commune."""
        minx, miny, maxx, maxy = shapely.bounds(self.boundary)
        return (float(minx), float(miny), float(maxx), float(maxy))


def commune_map(actor: Actor) -> CommuneMap:
    """The map of the actor's commune.

    Raises
    ------
    ServiceError
        ``field="commune"`` when the actor belongs to no commune (the platform operator).
    """
    from community._placement import active_sectors
    from store.schema import Commune

    if actor.commune_id is None:
        raise ServiceError("Ce compte n'est rattaché à aucune commune.", field="commune")
    with unit_of_work(actor.commune_id) as session:
        commune = session.get(Commune, actor.commune_id)
        if commune is None:
            raise ServiceError("Commune introuvable.", field="commune")
        sectors = tuple(MapSector(s.code, s.name, s.geom) for s in active_sectors(session, commune))
        return CommuneMap(commune.insee, commune.name, commune.boundary, sectors, frozenset(actor.sectors))


@dataclass(frozen=True)
class HomeMap:
    """Where an applicant's address lies: the commune with the home sector only (the applicant sees their own
    sector, nothing else: no other sector, no member, no alert), the address as the BAN writes it."""

    map: CommuneMap
    address: str
    sector_name: str | None


def home_map(insee: str, address: str) -> HomeMap:
    """The map of a sign-up in progress (public: before any account): ``address`` geocoded in commune
    ``insee`` through the geocoder of the settings, checked inside the commune, and its sector.

    Raises
    ------
    ServiceError
        ``field="address"``: unknown address or outside the commune; ``field="commune"``: unknown commune.
    """
    from community import place_address
    from community._placement import active_sectors
    from services._community import in_commune
    from services._config import geocoder

    with in_commune(None, insee) as (session, commune):
        placed = place_address(session, commune, text=address, geocoder=geocoder(session))
        home = placed.sector
        sectors = tuple(
            MapSector(s.code, s.name, s.geom)
            for s in active_sectors(session, commune)
            if home is not None and s.code == home.code
        )
        view = CommuneMap(commune.insee, commune.name, commune.boundary, sectors, frozenset(s.code for s in sectors))
        return HomeMap(view, placed.label, home.name if home is not None else None)


@dataclass(frozen=True)
class ExactPoint:
    """An alert of the actor's sectors at its exact point (for those the matrix lets moderate there)."""

    alert_id: int
    category_label: str
    status: str
    text: str
    created_at: str
    lon: float
    lat: float
    label: str
    home_sectors: tuple[str, ...]


@dataclass(frozen=True)
class SectorsMap:
    """The map of the sectors an actor moderates: the commune's map, those sectors, their alerts' exact points."""

    commune: CommuneMap
    sectors: frozenset[str]
    points: tuple[ExactPoint, ...]


def moderated_sectors_map(actor: Actor, *, limit: int = 200) -> SectorsMap:
    """The alerts whose home sector is one the actor moderates (a referent: their sectors; the mairie: every
    sector), at their exact point, newest first.

    Only what the alerts domain shows the actor exactly (:meth:`alerts.Viewer.sees_exact_location`) is kept, and
    only for alerts whose home sector is one the actor moderates: a referent's own alert elsewhere, or an alert
    of a neighbouring sector widened to theirs, is not on this map.

    Raises
    ------
    ServiceError
        ``field="actor"`` when the matrix gives the actor no right to moderate alerts (residents, gendarmerie).
    """
    from datetime import UTC, datetime

    from alerts import feed_for, load_viewer
    from alerts._reading import sectors_of
    from community import Action
    from community._permissions import Scope
    from services._config import alert_config

    base = commune_map(actor)
    with unit_of_work(actor.commune_id, write=False) as session:
        viewer = load_viewer(session, actor, datetime.now(UTC), bind=True)
        scope = viewer.right(Action.MODERATE_ALERTS)
        if scope == Scope.NONE:
            raise ServiceError("Cette carte est réservée aux référents et à la mairie.", field="actor")
        mine = frozenset(s.code for s in base.sectors) if scope != Scope.REFERENT_SECTORS else viewer.referent_codes
        shown = [
            a for a in feed_for(session, viewer, limit=limit, config=alert_config()) if a["location"]["kind"] == "exact"
        ]
        homes = sectors_of(session, [a["id"] for a in shown])
    points = []
    for a in shown:
        home = tuple(sorted(code for code, is_home in homes[a["id"]] if is_home))
        if mine & set(home):
            where = a["location"]
            points.append(
                ExactPoint(a["id"], a["category_label"], a["status"], a["text"], a["created_at"],
                           float(where["lon"]), float(where["lat"]), where.get("label") or "", home)
            )  # fmt: skip
    return SectorsMap(base, mine, tuple(points))
