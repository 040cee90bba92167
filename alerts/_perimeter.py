"""The diffusion perimeter of an alert: which sectors see it.

The sector(s) covering the point, plus each neighbouring sector whose border lies within a set distance
of the point (default 150 m, measured in the commune's metric CRS). A moderator may widen it to named
sectors or to the whole commune. The perimeter is stored as the list of sector ids and their union.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import shapely

from gis import AreaIndex, DisplayedLocation, InputError, as_multipolygon, transform_geom


class Scope(enum.StrEnum):
    """How the perimeter was drawn."""

    AUTO = "auto"
    WIDENED = "widened"
    COMMUNE = "commune"


@dataclass(frozen=True)
class SectorRef:
    """A sector as the perimeter needs it."""

    id: int
    code: str
    name: str
    geom: shapely.Geometry  # EPSG:4326


@dataclass(frozen=True)
class Perimeter:
    """Where an alert is diffused.

    Attributes
    ----------
    sector_ids:
        Every sector that sees the alert, sorted.
    home_ids:
        The sector(s) covering the point (empty when the point lies just outside every sector).
    geometry:
        The union of the sectors, a MultiPolygon in EPSG:4326.
    scope:
        Drawn automatically, widened by a moderator, or the whole commune.
    """

    sector_ids: tuple[int, ...]
    home_ids: tuple[int, ...]
    geometry: shapely.MultiPolygon
    scope: Scope


class SectorIndex:
    """The sectors of one sector set, ready to draw perimeters (build once per set, reuse for every alert)."""

    def __init__(self, sectors: Sequence[SectorRef], epsg: int) -> None:
        if not sectors:
            raise InputError("La commune n'a pas de secteurs actifs : importez et activez un découpage d'abord.")
        self.sectors = {s.id: s for s in sectors}
        self.by_code = {s.code: s for s in sectors}
        self.area = AreaIndex([s.id for s in sectors], [s.geom for s in sectors], epsg)  # type: ignore[misc]
        self._unions: dict[tuple[int, ...], shapely.MultiPolygon] = {}

    @property
    def epsg(self) -> int:
        return self.area.epsg

    def union(self, ids: Iterable[int]) -> shapely.MultiPolygon:
        """The union of the given sectors (cached: perimeters repeat a lot)."""
        key = tuple(sorted(set(ids)))
        found = self._unions.get(key)
        if found is None:
            geoms = [self.sectors[i].geom for i in key]
            found = as_multipolygon(shapely.union_all(geoms, grid_size=None) if len(geoms) > 1 else geoms[0])  # type: ignore[arg-type]
            if len(self._unions) > 4096:
                self._unions.clear()
            self._unions[key] = found
        return found

    def codes(self, ids: Iterable[int]) -> list[str]:
        return [self.sectors[i].code for i in sorted(ids)]


def diffusion_perimeter(index: SectorIndex, lon: float, lat: float, border_m: float = 150.0) -> Perimeter:
    """The automatic perimeter of an alert at (lon, lat).

    Parameters
    ----------
    index:
        The commune's active sectors.
    lon, lat:
        The alert's point (EPSG:4326).
    border_m:
        A neighbouring sector is included when the point is at most this far from it (metres).

    Raises
    ------
    gis.InputError
        When the point is farther than ``border_m`` from every sector (outside the commune).
    """
    if border_m < 0:
        raise InputError("La distance à la limite d'un secteur voisin doit être positive ou nulle (en mètres).")
    point = index.area.to_metric(lon, lat)
    home = index.area.covering(point)
    near = index.area.within(point, border_m)
    ids = sorted(set(home) | set(near))
    if not ids:
        raise InputError(
            f"Ce point ({lon:.5f}, {lat:.5f}) n'est dans aucun secteur de la commune : placez l'alerte dans la "
            "commune, ou vérifiez l'adresse."
        )
    return Perimeter(tuple(ids), tuple(home), index.union(ids), Scope.AUTO)


def shown_perimeter(
    index: SectorIndex, shown: DisplayedLocation, home_ids: Sequence[int], border_m: float = 150.0
) -> Perimeter:
    """The automatic perimeter drawn from what residents are shown, never from the exact point.

    Who receives an alert is visible to every resident (it is in their feed or not), so it must reveal nothing
    the displayed location does not: a street run reaches every sector within ``border_m`` of the run; a point
    shown as its zone (its sector, or its sector merged with neighbours to hold ``k`` addresses) reaches the
    zone's sectors only. ``home_ids`` (the sectors covering the exact point) are kept as the alert's home
    sectors, for their referents, when the perimeter holds them (it always does: a run passes within
    ``snap_m`` of the point, a zone covers it).
    """
    if shown.kind == "sector" and shown.sector_ids:
        ids = set(shown.sector_ids)
    else:
        ids = set(index.area.near(transform_geom(shown.geometry, 4326, index.epsg), border_m))
    homes = tuple(h for h in home_ids if h in ids)
    ordered = tuple(sorted(ids))
    return Perimeter(ordered, homes, index.union(ordered), Scope.AUTO)


def widen(index: SectorIndex, perimeter: Perimeter, codes: Sequence[str]) -> Perimeter:
    """Add the sectors named by their codes (or names) to ``perimeter``.

    Raises
    ------
    gis.InputError
        Listing every unknown sector and the sectors on offer.
    """
    by_name = {s.name.casefold(): s for s in index.sectors.values()}
    added, unknown = [], []
    for c in codes:
        s = index.by_code.get(c) or by_name.get(c.strip().casefold())
        if s is None:
            unknown.append(c)
        else:
            added.append(s.id)
    if unknown:
        raise InputError(
            "Secteur(s) inconnu(s) : " + ", ".join(f"« {u} »" for u in unknown) + ". Secteurs de la commune :",
            problems=[f"{s.code} ({s.name})" for s in sorted(index.sectors.values(), key=lambda s: s.code)],
        )
    ids = sorted(set(perimeter.sector_ids) | set(added))
    if len(ids) == len(index.sectors):
        return whole_commune(index, perimeter)
    return Perimeter(tuple(ids), perimeter.home_ids, index.union(ids), Scope.WIDENED)


def whole_commune(index: SectorIndex, perimeter: Perimeter | None = None) -> Perimeter:
    """Every sector of the commune."""
    ids = sorted(index.sectors)
    return Perimeter(tuple(ids), perimeter.home_ids if perimeter else (), index.union(ids), Scope.COMMUNE)
