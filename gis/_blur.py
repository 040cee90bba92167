"""Location privacy: the displayed location (what residents are shown instead of an exact point) and the
street runs it is cut from.

Each street's addresses (BAN), in house-number order, are cut once and for all into consecutive runs of at
least ``k`` addresses (:func:`street_runs`): fixed by the addresses alone, never centred on a point.
:class:`gis.SectorBlurrer` (``gis/_sector_blur.py``) draws the displayed locations from them, inside groups of
sectors fixed by public data.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from gis._normalize import fold, street_key


@dataclass(frozen=True)
class DisplayedLocation:
    """Where an alert is shown.

    Attributes
    ----------
    kind:
        ``"segment"``, ``"sector"`` or ``"exact"`` (exact only for those allowed to see it).
    geometry:
        In EPSG:4326: a line (segment), a (multi)polygon (sector) or the point (exact).
    label:
        French description shown to users.
    addresses:
        How many addresses the displayed location holds (k-anonymity; 0 for an exact point).
    sector_ids:
        When drawn by :class:`gis.SectorBlurrer`: the sectors of the zone it is drawn in (a location shown as
        its zone reaches exactly these sectors).
    """

    kind: str
    geometry: BaseGeometry
    label: str
    addresses: int
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
