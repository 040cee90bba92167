"""Placing an address: geocode it, check it lies in the commune, find its sector in the active set."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import shapely
from sqlalchemy import select
from sqlalchemy.orm import Session

import sectors
from gis import Geocoder, GeocodeResult, InputError
from store import LocalGeocoder
from store.schema import Commune, Sector, SectorSet, SetStatus


@dataclass(frozen=True)
class SectorRef:
    """A sector of the commune's active set (``code`` is stable across versions of the set)."""

    id: int
    code: str
    name: str
    referent_places: int


@dataclass(frozen=True)
class Placement:
    """Where an address lies: its geocoded label and point, and its sector (None outside every sector)."""

    label: str
    lon: float
    lat: float
    ban_id: str | None
    score: float
    sector: SectorRef | None


def get_commune(session: Session, insee: str) -> Commune:
    """The registered commune ``insee``; raises :class:`InputError` for an unknown code (the foundation's)."""
    return sectors.get_commune(session, insee)


def active_sectors(session: Session, commune: Commune) -> list[Sector]:
    """The sectors of the commune's active set (empty when no set is active), ordered by code."""
    return list(
        session.scalars(
            select(Sector)
            .join(SectorSet, Sector.sector_set_id == SectorSet.id)
            .where(SectorSet.commune_id == commune.id, SectorSet.status == SetStatus.ACTIVE)
            .order_by(Sector.code)
        )
    )


def _ref(sector: Sector) -> SectorRef:
    return SectorRef(sector.id, sector.code, sector.name, sector.referent_places)


def locate_in_session(session: Session, commune: Commune, lon: float, lat: float) -> SectorRef | None:
    """The active sector covering (lon, lat); on a shared edge the lowest code wins (deterministic)."""
    point = shapely.Point(lon, lat)
    for sector in active_sectors(session, commune):
        if sector.minx <= lon <= sector.maxx and sector.miny <= lat <= sector.maxy and sector.geom.covers(point):
            return _ref(sector)
    return None


def locate_with_foundation(session: Session, commune: Commune, lon: float, lat: float) -> SectorRef | None:
    """The foundation's indexed lookup (:func:`sectors.locate`; it reads committed sector sets)."""
    hit = sectors.locate(session.get_bind(), commune.insee, lon, lat)  # type: ignore[arg-type]
    if hit is None:
        return None
    sector = session.get(Sector, hit.id)
    return _ref(sector) if sector is not None else None


SectorLocator = Callable[[Session, Commune, float, float], SectorRef | None]
_locator: list[SectorLocator] = [locate_with_foundation]


def set_sector_locator(locator: SectorLocator) -> None:
    """Replace the point → sector lookup (e.g. by the sectors package's indexed one)."""
    _locator[0] = locator


def locate_sector(session: Session, commune: Commune, lon: float, lat: float) -> SectorRef | None:
    """The active sector of ``commune`` covering (lon, lat), or None."""
    return _locator[0](session, commune, lon, lat)


def find_sector(session: Session, commune: Commune, name_or_code: str) -> SectorRef:
    """A sector of the active set by its code or its name (case and accents ignored)."""
    from gis import fold

    wanted = fold(name_or_code or "")
    sectors = active_sectors(session, commune)
    for sector in sectors:
        if fold(sector.code) == wanted or fold(sector.name) == wanted:
            return _ref(sector)
    known = ", ".join(f"{s.code} ({s.name})" for s in sectors) or "aucun secteur actif"
    raise InputError(
        f"Secteur inconnu dans la commune de {commune.name} : « {name_or_code} ». Secteurs : {known}.", field="sector"
    )


def place_address(
    session: Session,
    commune: Commune,
    *,
    text: str | None = None,
    lon: float | None = None,
    lat: float | None = None,
    geocoder: Geocoder | None = None,
) -> Placement:
    """Geocode ``text`` (or take ``lon``/``lat``), check the point lies in the commune, find its sector.

    Raises
    ------
    InputError
        Unknown address, or an address outside the commune ("Cette adresse n'est pas dans la commune de …").
    """
    geocoder = geocoder or LocalGeocoder(session)
    found: GeocodeResult | None = None
    if text is not None and text.strip():
        hits = geocoder.search(text, insee=commune.insee, limit=1)
        if not hits:
            raise InputError(
                f"Adresse introuvable dans la commune de {commune.name} : « {text.strip()} ». "
                "Vérifiez le numéro et le nom de la rue.",
                field="address",
            )
        found = hits[0]
        lon, lat = found.lon, found.lat
    elif lon is None or lat is None:
        raise InputError("Indiquez une adresse, ou une longitude et une latitude.", field="address")
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise InputError(f"Coordonnées invalides : lon={lon}, lat={lat} (degrés WGS84 attendus).", field="lon")
    if not commune.boundary.covers(shapely.Point(lon, lat)):
        raise InputError(f"Cette adresse n'est pas dans la commune de {commune.name}.", field="address")
    if found is None:
        found = geocoder.reverse(lon, lat, insee=commune.insee) if text is None else None
        label = found.label if found is not None and (found.distance_m or 0) <= 30 else f"{lon:.6f}, {lat:.6f}"
        ban_id = found.ban_id if found is not None and (found.distance_m or 0) <= 30 else None
        return Placement(label, lon, lat, ban_id or None, 1.0, locate_sector(session, commune, lon, lat))
    return Placement(
        found.label, lon, lat, found.ban_id or None, found.score, locate_sector(session, commune, lon, lat)
    )
