"""Displayed locations drawn inside each sector, so that nothing a resident receives narrows a point below k.

:class:`SectorBlurrer` partitions the addresses of every sector, once and for all, into *groups* of at least
``k`` addresses, fixed by the public data alone (the sector map and the BAN), never by an alert's point:

- a **street run**: ``k`` or more consecutive addresses (house-number order) of one street inside the sector;
- the **rest of the sector**: the sector's other addresses, shown as the sector itself. When fewer than ``k``
  addresses would be left there, the smallest runs are dissolved into it until it holds ``k`` (or the
  sector has no run left): seeing "the sector" must never mean "one of the few addresses off the runs".

A point is shown as the group of its nearest address of its own sector (within ``snap_m``), else as its
sector. A sector with fewer than ``k`` addresses (or none: a commune without its BAN file) is always shown
whole: true, inside the commune, never larger than the alert's sector.

Since the displayed location is a function of the group alone, anything derived from it (the diffusion
perimeter, hence who receives the alert) reveals nothing more about the point.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import shapely

from gis._blur import DisplayedLocation, _run_geometry, street_runs
from gis._errors import InputError
from gis._nearby import AreaIndex
from gis._project import transform_xy


class SectorBlurrer:
    """Displayed locations over one sector set and the commune's addresses.

    Parameters
    ----------
    area:
        The sectors, indexed in the commune's metric CRS (keys are sector ids).
    names:
        Sector id -> the name shown to residents.
    lons, lats, streets, numbers:
        The addresses (EPSG:4326), their street names ("" for none) and house numbers (None for none).
    k:
        The least number of addresses a displayed location must leave possible.
    snap_m:
        A point farther than this from every address of its sector is shown as the sector.
    border_m:
        A point outside every sector but within this distance of one belongs to the nearest (as for the
        diffusion perimeter).
    """

    def __init__(
        self,
        area: AreaIndex,
        names: Mapping[int, str],
        lons: Sequence[float] | np.ndarray,
        lats: Sequence[float] | np.ndarray,
        streets: Sequence[str],
        numbers: Sequence[int | None],
        *,
        k: int = 10,
        snap_m: float = 60.0,
        border_m: float = 150.0,
    ) -> None:
        if k < 1:
            raise ValueError("k must be >= 1")
        self.area, self.names, self.k, self.snap_m, self.border_m = area, dict(names), k, snap_m, border_m
        self.lons = np.asarray(lons, dtype=float)
        self.lats = np.asarray(lats, dtype=float)
        xs, ys = transform_xy(self.lons, self.lats, 4326, area.epsg) if len(self.lons) else ([], [])
        self.xs: np.ndarray = np.asarray(xs, dtype=float)
        self.ys: np.ndarray = np.asarray(ys, dtype=float)
        self.home = np.array([self._home(shapely.Point(x, y)) for x, y in zip(self.xs, self.ys, strict=True)],
                             dtype=np.int64)  # fmt: skip
        # Per address: the index of its run in self.runs, or -1 (shown as its sector).
        self.run_of = np.full(len(self.lons), -1, dtype=np.int64)
        self.runs: list[tuple[shapely.Geometry, str, int, int]] = []  # geometry, label, size, sector
        self.members: dict[int, np.ndarray] = {}  # sector -> its addresses
        for sid in sorted(self.names):
            members = np.flatnonzero(self.home == sid)
            self.members[sid] = members
            self._group(sid, members, list(streets), list(numbers))

    def _home(self, point_m: shapely.Point) -> int:
        covering = self.area.covering(point_m)
        if covering:
            return covering[0]
        near = self.area.within(point_m, self.border_m)
        if not near:
            return -1
        return min(near, key=lambda sid: (near[sid], sid))

    def _group(self, sid: int, members: np.ndarray, streets: list[str], numbers: list[int | None]) -> None:
        if len(members) < self.k:
            return
        runs = street_runs([int(i) for i in members], streets, numbers, self.k)
        rest = len(members) - sum(len(run) for run, _ in runs)
        while runs and 0 < rest < self.k:  # dissolve the smallest runs into the rest of the sector
            smallest = min(range(len(runs)), key=lambda r: (len(runs[r][0]), -r))
            rest += len(runs.pop(smallest)[0])
        for run, label in runs:
            self.runs.append((_run_geometry(self.lons[run], self.lats[run]), label, len(run), sid))
            self.run_of[run] = len(self.runs) - 1

    def sector_of(self, lon: float, lat: float) -> int:
        """The id of the sector (lon, lat) belongs to.

        Raises
        ------
        gis.InputError
            When the point is farther than ``border_m`` from every sector.
        """
        sid = self._home(self.area.to_metric(lon, lat))
        if sid < 0:
            raise InputError(
                f"Ce point ({lon:.5f}, {lat:.5f}) n'est dans aucun secteur de la commune : placez l'alerte dans la "
                "commune, ou vérifiez l'adresse."
            )
        return sid

    def display(self, lon: float, lat: float) -> DisplayedLocation:
        """The displayed location of (lon, lat) for someone not allowed to see the exact point."""
        sid = self.sector_of(lon, lat)
        members = self.members[sid]
        if len(members):
            p = self.area.to_metric(lon, lat)
            d = np.hypot(self.xs[members] - p.x, self.ys[members] - p.y)
            nearest = int(members[int(np.argmin(d))])  # ties: the lowest address index, whatever the point
            run = int(self.run_of[nearest])
            if run >= 0 and float(d.min()) <= self.snap_m:
                geom, label, n, _ = self.runs[run]
                return DisplayedLocation("segment", geom, label, n, sector_id=sid)
        n = int((self.run_of[members] < 0).sum())
        geom = self.area.geoms[int(np.flatnonzero(self.area.keys == sid)[0])]
        return DisplayedLocation("sector", geom, self.names[sid], n, sector_id=sid)
