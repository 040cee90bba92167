"""Displayed locations drawn inside zones of sectors, so that nothing a resident receives narrows a point below k.

:class:`SectorBlurrer` first groups the sectors into *zones* holding at least ``k`` addresses each: every
sector is a zone, and while a zone holds fewer than ``k``, it is merged with its nearest zone (a commune
holding fewer than ``k`` addresses in all, or none because its BAN file is not imported, keeps one zone per
sector). Then it partitions the addresses of every zone, once and for all, into *groups* of at least ``k``
addresses, fixed by the public data alone (the sector map and the BAN), never by an alert's point:

- a **street run**: ``k`` or more consecutive addresses (house-number order) of one street inside the zone;
- the **rest of the zone**: its other addresses, shown as the zone itself. When fewer than ``k`` addresses
  would be left there, the smallest runs are dissolved into it until it holds ``k`` (or no run is left):
  seeing "the zone" must never mean "one of the few addresses off the runs".

A point is shown as the group of its nearest address of its zone (within ``snap_m``), else as its zone.
Without the BAN, a point is shown as its sector: true, inside the commune, never larger than the sector.

Since the displayed location is a function of the group alone, anything derived from it (the diffusion
perimeter, hence who receives the alert) reveals nothing more about the point.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

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
        self.zone_of = self._zones()  # sector -> the sorted sector ids of its zone
        # Per address: the index of its run in self.runs, or -1 (shown as its zone).
        self.run_of = np.full(len(self.lons), -1, dtype=np.int64)
        self.runs: list[tuple[BaseGeometry, str, int]] = []  # geometry, label, size
        self.members: dict[tuple[int, ...], np.ndarray] = {}  # zone -> its addresses
        self._zone_geoms: dict[tuple[int, ...], BaseGeometry] = {}
        for zone in sorted(set(self.zone_of.values())):
            members = np.flatnonzero(np.isin(self.home, zone))
            self.members[zone] = members
            self._group(members, list(streets), list(numbers))

    def _zones(self) -> dict[int, tuple[int, ...]]:
        """Merge each zone holding fewer than ``k`` addresses with its nearest zone (ties: the lowest ids)."""
        counts = {sid: int((self.home == sid).sum()) for sid in self.names}
        zones: dict[tuple[int, ...], int] = {(sid,): counts[sid] for sid in sorted(self.names)}
        if sum(counts.values()) >= self.k:
            metric = {int(key): g for key, g in zip(self.area.keys, self.area.metric, strict=True)}
            geoms = {z: metric[z[0]] for z in zones}
            while len(zones) > 1:
                small = min(zones, key=lambda z: (zones[z], z))
                if zones[small] >= self.k:
                    break
                other = min((z for z in zones if z != small), key=lambda z: (geoms[small].distance(geoms[z]), z))
                merged = tuple(sorted(small + other))
                zones[merged] = zones.pop(small) + zones.pop(other)
                geoms[merged] = shapely.union_all([geoms.pop(small), geoms.pop(other)])
        return {sid: z for z in zones for sid in z}

    def _home(self, point_m: shapely.Point) -> int:
        covering = self.area.covering(point_m)
        if covering:
            return covering[0]
        near = self.area.within(point_m, self.border_m)
        if not near:
            return -1
        return min(near, key=lambda sid: (near[sid], sid))

    def _group(self, members: np.ndarray, streets: list[str], numbers: list[int | None]) -> None:
        if len(members) < self.k:
            return
        runs = street_runs([int(i) for i in members], streets, numbers, self.k)
        rest = len(members) - sum(len(run) for run, _ in runs)
        while runs and 0 < rest < self.k:  # dissolve the smallest runs into the rest of the zone
            smallest = min(range(len(runs)), key=lambda r: (len(runs[r][0]), -r))
            rest += len(runs.pop(smallest)[0])
        for run, label in runs:
            self.runs.append((_run_geometry(self.lons[run], self.lats[run]), label, len(run)))
            self.run_of[run] = len(self.runs) - 1

    def _zone_geometry(self, zone: tuple[int, ...]) -> BaseGeometry:
        found: BaseGeometry | None = self._zone_geoms.get(zone)
        if found is None:
            parts = [self.area.geoms[int(np.flatnonzero(self.area.keys == sid)[0])] for sid in zone]
            found = parts[0] if len(parts) == 1 else shapely.union_all(parts)
            self._zone_geoms[zone] = found
        return found

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
        zone = self.zone_of[self.sector_of(lon, lat)]
        members = self.members[zone]
        if len(members):
            p = self.area.to_metric(lon, lat)
            d = np.hypot(self.xs[members] - p.x, self.ys[members] - p.y)
            nearest = int(members[int(np.argmin(d))])  # ties: the lowest address index, whatever the point
            run = int(self.run_of[nearest])
            if run >= 0 and float(d.min()) <= self.snap_m:
                geom, label, n = self.runs[run]
                return DisplayedLocation("segment", geom, label, n, sector_ids=zone)
        n = int((self.run_of[members] < 0).sum())
        label = " / ".join(self.names[sid] for sid in zone)
        return DisplayedLocation("sector", self._zone_geometry(zone), label, n, sector_ids=zone)
