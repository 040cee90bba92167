"""Location privacy: what residents are shown instead of an exact point.

A point is replaced by a *displayed location* holding at least ``k`` addresses, so that it never points at
one house:

1. the **street segment**: each street's addresses (BAN), in house-number order, are cut once and for all
   into consecutive runs of at least ``k`` addresses; a point whose nearest address (within ``snap_m``)
   belongs to such a run is shown as that run ("Rue des Lilas, n° 2 à 24") and the line through it;
2. otherwise the **smallest H3 cell** (resolution 12 down to 6) holding at least ``k`` addresses.

The runs and cells are fixed by the addresses alone, never centred on the point: the displayed location
does not leak where in it the point lies.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import h3
import numpy as np
import shapely
from shapely import STRtree
from shapely.geometry.base import BaseGeometry

from gis._crs import require_metric
from gis._normalize import fold, street_key
from gis._project import transform_xy

FINEST_RES, COARSEST_RES = 12, 6


@dataclass(frozen=True)
class DisplayedLocation:
    """Where an alert is shown.

    Attributes
    ----------
    kind:
        ``"segment"``, ``"sector"``, ``"cell"`` or ``"exact"`` (exact only for those allowed to see it).
    geometry:
        In EPSG:4326: a line (segment), a (multi)polygon (sector, cell) or the point (exact).
    label:
        French description shown to users.
    addresses:
        How many addresses the displayed location holds (k-anonymity; 0 for an exact point).
    cell:
        The H3 index of a cell ("" otherwise).
    sector_ids:
        When drawn by :class:`gis.SectorBlurrer`: the sectors of the zone it is drawn in (a location shown as
        its zone reaches exactly these sectors).
    """

    kind: str
    geometry: BaseGeometry
    label: str
    addresses: int
    cell: str = ""
    sector_ids: tuple[int, ...] = ()

    @property
    def anchor(self) -> tuple[float, float]:
        """A representative (lon, lat) inside the displayed location, to place a marker."""
        if self.geometry.geom_type == "LineString":
            p = self.geometry.interpolate(0.5, normalized=True)
        else:
            p = self.geometry.point_on_surface()
        return (round(p.x, 6), round(p.y, 6))


def exact_location(lon: float, lat: float) -> DisplayedLocation:
    """The exact point (for the mairie, the sector's referents, the gendarmerie)."""
    return DisplayedLocation("exact", shapely.Point(lon, lat), "position exacte", 0)


def _number_range(numbers: list[int | None]) -> str:
    known = [n for n in numbers if n is not None]
    if not known:
        return ""
    lo, hi = min(known), max(known)
    return f" (n° {lo})" if lo == hi else f" (n° {lo} à {hi})"


def street_runs(
    members: Sequence[int] | range, streets: Sequence[str], numbers: Sequence[int | None], k: int
) -> list[tuple[list[int], str]]:
    """Cut the addresses ``members`` into runs of at least ``k`` consecutive addresses of one street.

    Each street holding at least ``k`` of them, in house-number order, is cut into ``len // k`` runs (the
    remainder joins the last run). Returns each run (address indexes) with its French label
    ("Rue des Lilas (n° 2 à 24)"); addresses of shorter streets, or without a street, are in no run.
    """
    by_street: dict[str, list[int]] = defaultdict(list)
    names: dict[str, str] = {}
    for i in members:
        name = streets[i]
        if name and name.strip():
            key = street_key(fold(name))
            by_street[key].append(i)
            names.setdefault(key, name.strip())
    runs: list[tuple[list[int], str]] = []
    for key, street in by_street.items():
        if len(street) < k:
            continue
        street.sort(key=lambda i: (numbers[i] is None, numbers[i] or 0, i))
        n_runs = len(street) // k
        for r in range(n_runs):
            run = street[r * k : (r + 1) * k if r < n_runs - 1 else len(street)]
            runs.append((run, names[key] + _number_range([numbers[i] for i in run])))
    return runs


def _run_geometry(lons: np.ndarray, lats: np.ndarray) -> BaseGeometry:
    coords = np.column_stack([lons, lats])
    return shapely.LineString(coords) if len(np.unique(coords, axis=0)) > 1 else shapely.Point(coords[0])


class LocationBlurrer:
    """Displayed locations over one commune's addresses.

    Parameters
    ----------
    lons, lats:
        The addresses (EPSG:4326).
    streets:
        Each address's street name ("" for none); numbers: each address's house number (None for none).
    epsg:
        The commune's metric CRS.
    k:
        The least number of addresses a displayed location must hold.
    snap_m:
        A point farther than this from every address is never shown as a street segment.
    """

    def __init__(
        self,
        lons: Sequence[float],
        lats: Sequence[float],
        streets: Sequence[str],
        numbers: Sequence[int | None],
        epsg: int,
        *,
        k: int = 10,
        snap_m: float = 60.0,
    ) -> None:
        require_metric(epsg, "Le floutage des positions")
        if k < 1:
            raise ValueError("k must be >= 1")
        self.k, self.snap_m, self.epsg = k, snap_m, epsg
        self.lons = np.asarray(lons, dtype=float)
        self.lats = np.asarray(lats, dtype=float)
        xs, ys = transform_xy(self.lons, self.lats, 4326, epsg)
        self.tree = STRtree(shapely.points(xs, ys)) if len(xs) else None  # type: ignore[arg-type]
        self.segment_of = np.full(len(self.lons), -1, dtype=np.int64)
        self.segments: list[tuple[BaseGeometry, str, int]] = []
        self._cut_streets(list(streets), list(numbers))
        self.counts = {
            res: Counter(h3.latlng_to_cell(la, lo, res) for lo, la in zip(self.lons, self.lats, strict=True))
            for res in range(COARSEST_RES, FINEST_RES + 1)
        }

    def _cut_streets(self, streets: list[str], numbers: list[int | None]) -> None:
        for run, label in street_runs(range(len(streets)), streets, numbers, self.k):
            self.segments.append((_run_geometry(self.lons[run], self.lats[run]), label, len(run)))
            self.segment_of[run] = len(self.segments) - 1

    def display(self, lon: float, lat: float) -> DisplayedLocation:
        """The displayed location of (lon, lat) for someone not allowed to see the exact point."""
        if self.tree is not None:
            x, y = transform_xy(np.array([lon]), np.array([lat]), 4326, self.epsg)
            hit = self.tree.query_nearest(shapely.Point(x[0], y[0]), max_distance=self.snap_m, all_matches=False)
            if len(hit) and self.segment_of[hit[0]] >= 0:
                geom, label, n = self.segments[self.segment_of[hit[0]]]
                return DisplayedLocation("segment", geom, label, n)
        cell, n = "", 0
        for res in range(FINEST_RES, COARSEST_RES - 1, -1):
            cell = h3.latlng_to_cell(lat, lon, res)
            n = self.counts[res].get(cell, 0)
            if n >= self.k:
                break
        ring = [(lng, la) for la, lng in h3.cell_to_boundary(cell)]
        label = f"zone d'environ {n} adresses" if n >= self.k else "zone étendue (trop peu d'adresses connues ici)"
        return DisplayedLocation("cell", shapely.Polygon(ring), label, n, cell)
