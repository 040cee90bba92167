"""Heat binning: numpy (gis) and PostGIS SQL give the same counts on the same points table."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import Transformer
from sqlalchemy import Column, Float, Integer, MetaData, Table

from gis import HEX, SQUARE, InputError, bin_lonlat, bin_xy, cell_polygons
from stats import bin_table
from store import is_postgis
from store._types import GeometryColumn

coords = st.floats(min_value=100_000, max_value=1_200_000, allow_nan=False)


@settings(max_examples=60, deadline=None)
@given(
    xs=st.lists(st.tuples(coords, coords.map(lambda v: v + 5_500_000)), min_size=1, max_size=40),
    cell=st.sampled_from([50.0, 137.5, 250.0, 1000.0]),
    shape=st.sampled_from([SQUARE, HEX]),
)
def test_each_point_lies_in_its_cell(xs, cell, shape):
    x = np.array([p[0] for p in xs])
    y = np.array([p[1] for p in xs])
    bins = bin_xy(x, y, cell, shape)
    assert bins.count.sum() == len(x)
    polys = cell_polygons(shape, cell, bins.i, bins.j)
    # Every point is within (a rounding error of) exactly the cell it was counted in.
    for px, py in zip(x, y, strict=True):
        point = shapely.Point(px, py)
        holders = [k for k, poly in enumerate(polys) if poly.distance(point) < 1e-6 * cell]
        assert holders, (px, py)
    # Cells never overlap.
    union = shapely.union_all(polys)
    assert union.area == pytest.approx(sum(p.area for p in polys), rel=1e-9)


def test_min_count_and_bad_input():
    rng = np.random.default_rng(5)
    lon = np.concatenate([rng.normal(2.30, 0.002, 500), rng.uniform(2.25, 2.35, 60)])
    lat = np.concatenate([rng.normal(48.52, 0.002, 500), rng.uniform(48.49, 48.55, 60)])
    full = bin_lonlat(lon, lat, 2154, 200.0)
    shown = bin_lonlat(lon, lat, 2154, 200.0, min_count=5)
    assert full.count.sum() == 560 and (full.count < 5).any()
    assert (shown.count >= 5).all() and len(shown) == int((full.count >= 5).sum())
    with pytest.raises(InputError, match="forme"):
        bin_xy(np.zeros(1), np.zeros(1), 100, "triangle")
    with pytest.raises(InputError, match="en mètres"):
        bin_lonlat(lon, lat, 4326, 100)


@pytest.fixture(params=["sqlite", "postgis"])
def scratch_engine(request: pytest.FixtureRequest):
    """A fresh database once per backend where the test may create its own tables: on PostGIS the tables' owner
    (DDL is the owner's; the application's role may not create tables)."""
    return request.getfixturevalue("sqlite_engine" if request.param == "sqlite" else "postgis_owner_engine")


@pytest.fixture
def points_table(scratch_engine):
    """A plain points table (geometry in EPSG:4326 plus metric x/y) with 20,000 seeded points around Bouray."""
    engine = scratch_engine
    meta = MetaData()
    table = Table(
        "heat_points_test",
        meta,
        Column("id", Integer, primary_key=True),
        Column("geom", GeometryColumn("POINT"), nullable=False),
        Column("x_m", Float, nullable=False),
        Column("y_m", Float, nullable=False),
    )
    meta.drop_all(engine)
    meta.create_all(engine)
    rng = np.random.default_rng(42)
    n = 20_000
    lon = np.concatenate([rng.normal(2.30, 0.004, n // 2), rng.uniform(2.27, 2.33, n // 2)])
    lat = np.concatenate([rng.normal(48.52, 0.003, n // 2), rng.uniform(48.50, 48.54, n // 2)])
    x, y = Transformer.from_crs(4326, 2154, always_xy=True).transform(lon, lat)
    rows = [
        {"geom": shapely.Point(a, b), "x_m": float(c), "y_m": float(d)}
        for a, b, c, d in zip(lon, lat, x, y, strict=True)
    ]
    with engine.begin() as conn:
        conn.execute(table.insert(), rows)
    yield lon, lat
    meta.drop_all(engine)


@pytest.mark.parametrize("shape", [SQUARE, HEX])
def test_database_binning_agrees_with_numpy(scratch_engine, points_table, shape):
    engine = scratch_engine
    lon, lat = points_table
    expected = bin_lonlat(lon, lat, 2154, 150.0, shape)
    from_db = bin_table(engine, "heat_points_test", crs=2154, cell_m=150.0, shape=shape)
    assert from_db.as_dict() == expected.as_dict()
    metric = bin_table(engine, "heat_points_test", crs=2154, cell_m=150.0, shape=shape, metric_columns=("x_m", "y_m"))
    assert metric.as_dict() == expected.as_dict()
    hidden = bin_table(engine, "heat_points_test", crs=2154, cell_m=150.0, shape=shape, min_count=5)
    assert hidden.as_dict() == {k: v for k, v in expected.as_dict().items() if v >= 5}
    filtered = bin_table(
        engine, "heat_points_test", crs=2154, cell_m=150.0, shape=shape, where="id <= :last", params={"last": 100}
    )
    assert filtered.count.sum() == 100
    if is_postgis(engine):
        assert len(expected) > 100  # a real grid, not a handful of cells


def test_bad_identifiers_refused(engine):
    with pytest.raises(InputError):
        bin_table(engine, "alerts; DROP TABLE communes", crs=2154, cell_m=100)


@pytest.mark.parametrize("shape", [SQUARE, HEX])
def test_points_on_cell_edges_fall_alike(scratch_engine, shape):
    """Points exactly on cell edges and corners (metric columns): SQL and numpy apply the same rounding."""
    engine = scratch_engine
    meta = MetaData()
    table = Table(
        "heat_edges_test",
        meta,
        Column("id", Integer, primary_key=True),
        Column("geom", GeometryColumn("POINT"), nullable=False),
        Column("x_m", Float, nullable=False),
        Column("y_m", Float, nullable=False),
    )
    meta.drop_all(engine)
    meta.create_all(engine)
    cell = 100.0
    k = np.arange(-6, 7) * cell / 2  # multiples of half a cell: edges, corners, hexagon vertices and centres
    hx = np.concatenate([[1.5 * cell * q + cell * np.cos(a) for a in np.deg2rad(range(0, 360, 30))] for q in (0, 1)])
    hy = np.concatenate(
        [[np.sqrt(3) * cell * q / 2 + cell * np.sin(a) for a in np.deg2rad(range(0, 360, 30))] for q in (0, 1)]
    )
    xx, yy = np.meshgrid(k + 700_000.0, k + 6_600_000.0)
    x = np.concatenate([xx.ravel(), hx + 700_000.0])
    y = np.concatenate([yy.ravel(), hy + 6_600_000.0])
    with engine.begin() as conn:
        conn.execute(
            table.insert(),
            [{"geom": shapely.Point(3.0, 46.5), "x_m": float(a), "y_m": float(b)} for a, b in zip(x, y, strict=True)],
        )
    try:
        got = bin_table(engine, "heat_edges_test", crs=2154, cell_m=cell, shape=shape, metric_columns=("x_m", "y_m"))
        assert got.as_dict() == bin_xy(x, y, cell, shape).as_dict()
    finally:
        meta.drop_all(engine)
