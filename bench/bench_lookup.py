"""Point -> sector lookup: 1,000,000 points against 10,000 sectors, on both backends.

Embedded: our grid batch lookup against ``geopandas.sjoin`` on the same data; single lookups through
:class:`sectors.Locator`. PostGIS: our batch (binary COPY in, sector-driven join, binary COPY out) against
hand-written SQL plans on the same loaded points; single lookups through the same API.
"""

from __future__ import annotations

import time

import geopandas as gpd
import numpy as np
import shapely
from sqlalchemy import Engine, text

from bench._harness import BenchContext, latencies, percentile, timed
from data.synthetic import voronoi_sectors
from sectors import Locator, SectorRules, import_sector_set, register_commune
from store import make_engine, transaction, upgrade
from store._spatial import BATCH_SQL_POSTGIS, load_points_postgis

BOUNDS = (2.20, 48.60, 2.40, 48.75)  # ~15 x 17 km in Île-de-France
INSEE = "91999"


def _dataset(ctx: BenchContext) -> tuple[gpd.GeoDataFrame, np.ndarray, np.ndarray]:
    n_sectors, n_points = (1_000, 100_000) if ctx.quick else (10_000, 1_000_000)
    sectors = voronoi_sectors(BOUNDS, n_sectors, seed=42, densify=0.0003)
    rng = np.random.default_rng(1)
    margin = 0.01  # some points fall outside every sector
    lons = rng.uniform(BOUNDS[0] - margin, BOUNDS[2] + margin, n_points)
    lats = rng.uniform(BOUNDS[1] - margin, BOUNDS[3] + margin, n_points)
    return sectors, lons, lats


def _store(engine: Engine, sectors: gpd.GeoDataFrame) -> None:
    upgrade(engine)
    with transaction(engine) as session:
        commune = register_commune(session, INSEE, "Banc d'essai", shapely.box(*BOUNDS))
        import_sector_set(session, commune, sectors, activate=True, rules=SectorRules())


def _sjoin(sectors: gpd.GeoDataFrame, points: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    return gpd.sjoin(points, sectors, predicate="intersects", how="left")


def _singles(ctx: BenchContext, loc: Locator, lons: np.ndarray, lats: np.ndarray, label: str, target: str) -> None:
    """p50/p99 of single look-ups through the API; on PostGIS also the same look-up asked of the server
    (prepared query, the baseline) and a bare ``SELECT 1`` round trip on the same connection (the floor of any
    query), interleaved with ours so that the three see the same machine load."""
    n = 2_000 if ctx.quick else 20_000
    loc.locate_id(lons[0], lats[0])  # warm up (loads the set, builds the grid, prepares statements)
    if not loc.postgis:
        lat_s = latencies(lambda i: loc.locate_id(lons[i], lats[i]), n)
        ctx.report(f"{label} single lookup p50", percentile(lat_s, 50) * 1e6, "µs", higher_is_better=False)
        ctx.report(
            f"{label} single lookup p99", percentile(lat_s, 99) * 1e6, "µs", higher_is_better=False, target=target
        )
        return
    loc.locate_id_sql(lons[0], lats[0])
    raw = loc._pg_conn()
    ours: list[float] = []
    sql: list[float] = []
    trip: list[float] = []
    for i in range(n):
        x, y = float(lons[i]), float(lats[i])
        start = time.perf_counter()
        loc.locate_id(x, y)
        ours.append(time.perf_counter() - start)
        start = time.perf_counter()
        loc.locate_id_sql(x, y)
        sql.append(time.perf_counter() - start)
        start = time.perf_counter()
        raw.execute("SELECT 1", prepare=True).fetchone()
        trip.append(time.perf_counter() - start)
    for q in (50, 99):
        ctx.report(
            f"{label} single lookup p{q} (API: grid of the set read from PostGIS)",
            percentile(ours, q) * 1e6,
            "µs",
            baseline=percentile(sql, q) * 1e6,
            baseline_name="the query asked of PostGIS",
            higher_is_better=False,
            target=target if q == 99 else "",
        )
        ctx.report(
            f"{label} single lookup p{q}, query asked of PostGIS (baseline)",
            percentile(sql, q) * 1e6,
            "µs",
            baseline=percentile(trip, q) * 1e6,
            baseline_name="SELECT 1 round trip",
            higher_is_better=False,
        )
        ctx.report(f"{label} SELECT 1 round trip p{q}", percentile(trip, q) * 1e6, "µs", higher_is_better=False)


def run(ctx: BenchContext) -> None:
    sectors, lons, lats = _dataset(ctx)
    n = len(lons)
    print(
        f"{len(sectors):,} secteurs (≈{shapely.get_num_coordinates(sectors.geometry).mean():.0f} sommets), {n:,} points"
    )

    # ---------------------------------------------------------------- embedded
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'bench.sqlite3'}")
        t0 = time.perf_counter()
        _store(engine, sectors)
        ctx.report("embedded: import + checks + activation of the set", time.perf_counter() - t0, "s")
        loc = Locator(engine, INSEE, cache_seconds=3600)
        t0 = time.perf_counter()
        loc.locate_id(lons[0], lats[0])
        loc._grid_locator()
        ctx.report("embedded: load set + build grid index (once per set)", time.perf_counter() - t0, "s")
        points = gpd.GeoDataFrame(geometry=shapely.points(lons, lats), crs=4326)
        ours = timed(lambda: loc.locate_many(lons, lats))
        theirs = timed(lambda: _sjoin(sectors, points), repeat=2)
        ctx.report(
            "embedded batch lookup",
            n / ours,
            "points/s",
            baseline=n / theirs,
            baseline_name="geopandas.sjoin",
            target=">= x3",
        )
        ctx.report("geopandas.sjoin (same data)", n / theirs, "points/s")
        got = loc.locate_many(lons, lats)
        joined = _sjoin(sectors, points)
        first = joined.groupby(level=0)["index_right"].min().reindex(range(n)).to_numpy()
        expected = np.where(np.isnan(first), -1, first + 1).astype(np.int64)  # sector ids are 1..n in file order
        agree = np.mean(expected == got)
        print(f"  agreement with sjoin (smallest covering sector): {100 * agree:.4f} %")
        _singles(ctx, loc, lons, lats, "embedded", "<= 50 µs")
        engine.dispose()

    # ---------------------------------------------------------------- PostGIS
    if not ctx.postgis_url:
        print("PostGIS: pas de base, mesure sautée")
        return
    engine = make_engine(ctx.postgis_url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public; CREATE EXTENSION IF NOT EXISTS postgis"))
    t0 = time.perf_counter()
    _store(engine, sectors)
    with engine.begin() as conn:
        conn.execute(text("ANALYZE"))
    ctx.report("PostGIS: import + checks + activation of the set", time.perf_counter() - t0, "s")
    loc = Locator(engine, INSEE, cache_seconds=3600)
    set_id = loc.active_set_id()
    t_api = timed(lambda: loc.locate_many(lons, lats), repeat=2)
    ctx.report("PostGIS batch lookup, end to end (COPY in, join, COPY out)", n / t_api, "points/s")
    assert (loc.locate_many(lons[:20_000], lats[:20_000]) == got[:20_000]).all(), "backends disagree"

    # The join alone, ours against hand-written plans, on the same loaded points.
    plans = {
        "ours: sectors drive a fenced LATERAL join": (
            "SELECT count(*) FROM (" + BATCH_SQL_POSTGIS.format(points="_voisinage_pts", set_id="{sid}") + ") ours"
        ),
        "hand: LATERAL without fence (planner flattens it)": (
            "SELECT count(*) FROM sectors s CROSS JOIN LATERAL (SELECT q.i FROM _voisinage_pts q "
            "WHERE ST_Covers(s.geom, q.geom)) p WHERE s.sector_set_id = {sid}"
        ),
        "hand: plain join, planner's choice": (
            "SELECT count(*) FROM _voisinage_pts q JOIN sectors s ON ST_Covers(s.geom, q.geom) "
            "WHERE s.sector_set_id = {sid}"
        ),
        "hand: points-outer LATERAL (nested loop)": (
            "SELECT count(*) FROM _voisinage_pts q CROSS JOIN LATERAL (SELECT s.id FROM sectors s "
            "WHERE s.sector_set_id = {sid} AND ST_Covers(s.geom, q.geom)) p"
        ),
        "hand: ST_Intersects join (same answer for points)": (
            "SELECT count(*) FROM sectors s JOIN _voisinage_pts q ON ST_Intersects(s.geom, q.geom) "
            "WHERE s.sector_set_id = {sid}"
        ),
        "hand: materialized CTE of the sectors, then join": (
            "WITH s AS MATERIALIZED (SELECT id, geom FROM sectors WHERE sector_set_id = {sid}) "
            "SELECT count(*) FROM s JOIN _voisinage_pts q ON ST_Covers(s.geom, q.geom)"
        ),
    }
    timings: dict[str, float] = {}
    with engine.begin() as conn:
        load = timed(lambda: load_points_postgis(conn, lons, lats), repeat=1)
        ctx.report("PostGIS: load 1M points (binary COPY + GiST)", load, "s")
        raw = conn.connection.driver_connection
        for name, sql in plans.items():
            query = sql.format(sid=set_id)
            if ("points-outer" in name or "without fence" in name or "planner" in name) and not ctx.quick:
                query = query.replace("_voisinage_pts q", "(SELECT * FROM _voisinage_pts LIMIT 100000) q")
                scale = n / 100_000
            else:
                scale = 1.0
            timings[name] = timed(lambda q=query: raw.execute(q).fetchone(), repeat=2) * scale  # type: ignore[misc, union-attr]
    best_hand = min(v for k, v in timings.items() if k.startswith("hand"))
    for name, seconds in timings.items():
        ctx.report(
            f"PostGIS join only — {name}",
            n / seconds,
            "points/s",
            baseline=n / best_hand,
            baseline_name="best hand-written plan",
            target="within 1.2x" if name.startswith("ours") else "",
        )
    _singles(ctx, loc, lons, lats, "PostGIS", "<= 300 µs")
    loc.close()
    engine.dispose()
