"""PostGIS plans the heat map of a commune's alerts as a parallel aggregate (migration 0013).

Grouping keys computed from ``x_m``/``y_m`` are estimated from those columns' statistics; with them, the
planner assumes one cell per alert and never aggregates in parallel. The migration removes them: the estimate
falls to the planner's default, far below the number of alerts, and a parallel plan aggregates per worker
(measured in ``bench/bench_stats.py``; whether a small test table gets workers is the planner's call).
"""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, text

from bench._alert_rows import INSEE, insert_alerts, register_bouray
from gis import HEX, SQUARE, hex_steps
from sectors import load_boundary
from stats import alert_heat, heat_sql, parse_quarter
from stats._heat import PLAN_SETTINGS
from stats._sources import PUBLIC_STATUSES

N = 20_000
WHERE = "commune_id = :cid AND status = ANY(:statuses) AND x_m IS NOT NULL AND created_at >= :lo AND created_at < :hi"


@pytest.fixture
def alerts_engine(postgis_owner_engine: Engine, shared_file) -> tuple[Engine, int]:  # type: ignore[no-untyped-def]
    path = shared_file("boundaries/bouray-sur-juine_91095_osm-relation-396777.geojson")
    boundary = load_boundary(path, INSEE, max_mb=50)
    commune = register_bouray(postgis_owner_engine, boundary)
    start, end = parse_quarter("2026-Q3")
    insert_alerts(postgis_owner_engine, commune, N, start.to_pydatetime(), end.to_pydatetime(), links=False)
    return postgis_owner_engine, commune.id  # insert_alerts has run VACUUM ANALYZE


def _plan(engine: Engine, commune_id: int, shape: str) -> dict:
    start, end = parse_quarter("2026-Q3")
    params = {"cid": commune_id, "statuses": list(PUBLIC_STATUSES), "lo": start, "hi": end}
    if shape == HEX:
        params.update(zip(("w", "h", "w2", "h2"), hex_steps(150.0), strict=True))
    else:
        params["cell"] = 150.0
    sql = heat_sql(shape, "alerts", "geom", 2154, WHERE, ("x_m", "y_m"))
    with engine.begin() as conn:
        conn.execute(text(PLAN_SETTINGS))  # as stats.bin_in plans it
        return conn.execute(text(f"EXPLAIN (FORMAT JSON) {sql}"), params).scalar_one()[0]["Plan"]


def test_coordinates_carry_no_statistics(alerts_engine: tuple[Engine, int]) -> None:
    engine, _ = alerts_engine
    with engine.connect() as conn:
        analysed = set(conn.execute(text("SELECT attname FROM pg_stats WHERE tablename = 'alerts'")).scalars())
    assert {"created_at", "status", "commune_id"} <= analysed  # ANALYZE did run
    assert not {"x_m", "y_m"} & analysed


@pytest.mark.parametrize("shape", [SQUARE, HEX])
def test_cells_are_not_estimated_one_per_alert(alerts_engine: tuple[Engine, int], shape: str) -> None:
    engine, commune_id = alerts_engine
    assert _plan(engine, commune_id, shape)["Plan Rows"] <= N / 5


def test_heat_still_counts_every_public_alert(alerts_engine: tuple[Engine, int]) -> None:
    engine, commune_id = alerts_engine
    start, end = parse_quarter("2026-Q3")
    with engine.connect() as conn:
        public = conn.execute(
            text(f"SELECT count(*) FROM alerts WHERE {WHERE}"),
            {"cid": commune_id, "statuses": list(PUBLIC_STATUSES), "lo": start, "hi": end},
        ).scalar_one()
    for shape in (SQUARE, HEX):
        assert alert_heat(engine, INSEE, "mairie_agent", start, end, shape=shape, cell_m=150.0).count.sum() == public
