"""Point -> sector lookup for a commune's active sector set, on either backend.

:class:`Locator` is the API. On embedded SQLite it answers from an in-memory :class:`GridLocator` of the
active set (microseconds); on PostGIS single lookups use the same grid (the active set is read from PostGIS
and re-checked the same way; ``locate_id_sql`` asks the server instead), and a batch is loaded with binary
COPY and joined from the sectors' side. Both give the same
answers ("covers" semantics, smallest id on shared edges), which the contract tests check.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import shapely
from sqlalchemy import Engine, select

from sectors import _generation as generation
from sectors._communes import get_commune
from sectors._grid import OUTSIDE, GridLocator
from sectors._sets import active_set
from store import is_postgis, transaction
from store._rls import bind_connection
from store._spatial import SINGLE_SQL_POSTGIS, locate_many_postgis
from store.schema import Sector

if TYPE_CHECKING:
    import psycopg

MIN_CELLS, MAX_CELLS = 1 << 16, 1 << 24
# Single look-ups answered by testing every sector before the grid is worth building (a one-point command
# never pays for the grid, nor for importing scipy).
DIRECT_LOOKUPS = 16


@dataclass(frozen=True)
class SectorHit:
    """The sector a point falls in."""

    id: int
    code: str
    name: str


class Locator:
    """Locate points in the active sector set of one commune.

    Parameters
    ----------
    engine : Engine
        The store.
    insee : str
        The commune.
    cells_per_sector : int
        Grid resolution of the in-memory index (setting ``lookup_cells_per_sector``).
    cache_seconds : float
        How long the active set may be assumed unchanged by other processes (setting ``lookup_cache_seconds``).
    """

    def __init__(self, engine: Engine, insee: str, *, cells_per_sector: int = 400, cache_seconds: float = 5.0) -> None:
        self.engine = engine
        self.insee = insee
        self.cells_per_sector = cells_per_sector
        self.cache_seconds = cache_seconds
        self.postgis = is_postgis(engine)
        self._lock = threading.Lock()
        self._checked = -1e18
        self._generation = -1
        self.sector_set_id: int | None = None
        self.commune_id = 0
        self._hits: dict[int, SectorHit] = {}
        self._rows: list = []  # (id, code, name, geom) of the loaded set
        self._grid: GridLocator | None = None
        self._pg: psycopg.Connection | None = None
        self._direct_left = DIRECT_LOOKUPS

    # ------------------------------------------------------------------ state
    def _fresh(self) -> None:
        now = time.monotonic()
        if self._generation == generation.current() and now - self._checked < self.cache_seconds:
            return
        with self._lock:
            with transaction(self.engine, write=False) as session:
                commune = get_commune(session, self.insee)
                self.commune_id = commune.id
                current = active_set(session, commune)
                set_id = current.id if current is not None else None
                if set_id != self.sector_set_id or not self._hits:
                    rows = session.execute(
                        select(Sector.id, Sector.code, Sector.name, Sector.geom).where(Sector.sector_set_id == set_id)
                    ).all()
                    self._hits = {r.id: SectorHit(r.id, r.code, r.name) for r in rows}
                    self._rows = rows  # type: ignore[assignment]
                    self._grid = None
                    self._direct_left = DIRECT_LOOKUPS
                    self.sector_set_id = set_id
            self._checked, self._generation = now, generation.current()

    def active_set_id(self) -> int | None:
        """Id of the active sector set the answers come from (None: the commune has no active set)."""
        self._fresh()
        return self.sector_set_id

    def _grid_locator(self) -> GridLocator:
        if self._grid is None:
            rows = self._rows
            n_cells = min(MAX_CELLS, max(MIN_CELLS, self.cells_per_sector * max(1, len(rows))))
            self._grid = GridLocator.build(
                np.array([r.id for r in rows], dtype=np.int64),
                np.array([r.geom for r in rows], dtype=object),
                n_cells=n_cells,
            )
        return self._grid

    def _direct(self, lon: float, lat: float) -> int:
        """The grid's answer without the grid: every sector tested (``intersects_xy``, smallest id wins)."""
        if not (np.isfinite(lon) and np.isfinite(lat)) or not self._rows:
            return OUTSIDE
        geoms = np.array([r.geom for r in self._rows], dtype=object)
        hits = [r.id for r, hit in zip(self._rows, shapely.intersects_xy(geoms, lon, lat), strict=True) if hit]
        return int(min(hits)) if hits else OUTSIDE

    def _pg_conn(self) -> psycopg.Connection:
        import psycopg

        if self._pg is None or self._pg.closed:
            url = self.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
            self._pg = psycopg.connect(url, autocommit=True)
            # Row-level security: this private connection (never pooled, closed with the locator) reads only
            # its commune's sectors, so the binding is set once for its whole life, not per transaction.
            self._pg.execute(
                "SELECT set_config('voisinage.commune_id', id::text, false) FROM communes WHERE insee = %s",
                (self.insee,),
            )
        return self._pg

    def close(self) -> None:
        """Release the dedicated PostGIS connection, if any."""
        if self._pg is not None:
            self._pg.close()
            self._pg = None

    # ------------------------------------------------------------------ queries
    def locate_id(self, lon: float, lat: float) -> int:
        """Id of the sector covering (lon, lat), or -1 (outside every sector, or no active set).

        Answered from the in-memory grid of the active set on both backends. On PostGIS the set is loaded
        and re-checked exactly as on SQLite (an active set never changes; activation is seen within
        ``cache_seconds``), so a query per point would add a round trip to the server process and no
        freshness: under load that round trip alone took p99 0.4-12 ms. :meth:`locate_id_sql` asks PostGIS.
        """
        self._fresh()
        if self.sector_set_id is None:
            return OUTSIDE
        if self._grid is None and self._direct_left > 0:  # the first look-ups: no grid (nor scipy) yet
            self._direct_left -= 1
            return self._direct(float(lon), float(lat))
        return self._grid_locator().locate(float(lon), float(lat))

    def locate_id_sql(self, lon: float, lat: float) -> int:
        """The same answer from PostGIS itself: one prepared point-in-polygon query on a dedicated connection
        (the bench's baseline, and a cross-check in the tests). SQLite: the grid."""
        self._fresh()
        if self.sector_set_id is None:
            return OUTSIDE
        if not self.postgis:
            return self.locate_id(lon, lat)
        row = (
            self._pg_conn()
            .execute(
                SINGLE_SQL_POSTGIS,
                (self.sector_set_id, float(lon), float(lat)),
                prepare=True,
            )
            .fetchone()
        )
        return int(row[0]) if row else OUTSIDE

    def locate(self, lon: float, lat: float) -> SectorHit | None:
        """The sector covering (lon, lat), or None."""
        sid = self.locate_id(lon, lat)
        return self._hits.get(sid) if sid != OUTSIDE else None

    def locate_many(self, lons: np.ndarray, lats: np.ndarray) -> np.ndarray:
        """Sector id of each point (int64 array), -1 outside."""
        self._fresh()
        lons = np.asarray(lons, dtype=float)
        lats = np.asarray(lats, dtype=float)
        if self.sector_set_id is None:
            return np.full(len(lons), OUTSIDE, dtype=np.int64)
        if not self.postgis:
            return self._grid_locator().locate_many(lons, lats)
        with self.engine.begin() as conn:
            bind_connection(conn, self.commune_id)  # row-level security: this commune's sectors only
            return locate_many_postgis(conn, self.sector_set_id, lons, lats)

    def hit(self, sector_id: int) -> SectorHit | None:
        """The sector of id ``sector_id`` in the loaded set."""
        return self._hits.get(int(sector_id))


_locators: dict[tuple[str, str], Locator] = {}


def locator(engine: Engine, insee: str, **kwargs: object) -> Locator:
    """The process-wide :class:`Locator` of ``insee`` on ``engine`` (created on first use)."""
    key = (engine.url.render_as_string(hide_password=False), insee)
    found = _locators.get(key)
    if found is None or found.engine is not engine:
        found = _locators[key] = Locator(engine, insee, **kwargs)  # type: ignore[arg-type]
    return found


def locate(engine: Engine, insee: str, lon: float, lat: float) -> SectorHit | None:
    """The sector of commune ``insee`` covering (lon, lat) in its active set, or None."""
    return locator(engine, insee).locate(lon, lat)


def locate_many(engine: Engine, insee: str, lons: np.ndarray, lats: np.ndarray) -> np.ndarray:
    """Vectorised :func:`locate`: sector ids, -1 outside."""
    return locator(engine, insee).locate_many(lons, lats)
