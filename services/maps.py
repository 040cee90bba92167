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
