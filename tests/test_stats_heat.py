"""Heat binning: numpy (gis) and PostGIS SQL give the same counts on the same points table."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import Transformer
from sqlalchemy import Column, Float, Integer, MetaData, Table

from gis import HEX, SQUARE, InputError, bin_lonlat, bin_xy, cell_polygons, hex_axial, hex_steps
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


def _centre(q: np.ndarray, r: np.ndarray, cell: float) -> tuple[np.ndarray, np.ndarray]:
    return 1.5 * cell * q, np.sqrt(3.0) * cell * (r + q / 2.0)


NEIGHBOURS = ((1, 0), (-1, 0), (0, 1), (0, -1), (1, -1), (-1, 1))


def _assert_nearest_centre(x: np.ndarray, y: np.ndarray, cell: float) -> None:
    """Each point's hexagon centre is at most as far as any of that hexagon's six neighbours (a rounding
    error of the coordinates' magnitude allowed: ties on edges and vertices may go either way)."""
    q, r = hex_axial(x, y, cell)
    cx, cy = _centre(q, r, cell)
    own = np.hypot(x - cx, y - cy)
    assert (own <= cell * (1 + 1e-9)).all()
    slack = 1e-9 * (np.abs(x) + np.abs(y) + cell)
    for dq, dr in NEIGHBOURS:
        nx, ny = _centre(q + dq, r + dr, cell)
        assert (own <= np.hypot(x - nx, y - ny) + slack).all(), (dq, dr)


@settings(max_examples=80, deadline=None)
@given(
    cell=st.sampled_from([1.0, 50.0, 137.5, 250.0, 1000.0, 0.3]),
    seed=st.integers(0, 2**32 - 1),
    scale=st.sampled_from([1e2, 1e4, 1e6, 1e7]),
)
def test_hexagon_is_the_nearest_centre(cell, seed, scale):
    """The two-lattice rule picks the nearest hexagon centre, for random points (both signs, any magnitude)
    and for points exactly on the lattices' half and quarter steps (edges, vertices, centres)."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(-scale, scale, 2000)
    y = rng.uniform(-scale, scale, 2000)
    _assert_nearest_centre(x, y, cell)
    w, h, _, _ = hex_steps(cell)
    k = rng.integers(-40, 40, (2, 500))
    _assert_nearest_centre(k[0] * w / 4, k[1] * h / 4, cell)
    _assert_nearest_centre(k[0] * w / 6, k[1] * h / 2, cell)  # vertices: thirds of a hexagon width


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
    # Steps of the hexagon lattices: quarters of w and h (centres, edge midpoints), sixths of w (vertices).
    w, h, _, _ = hex_steps(cell)
    qx, qy = np.meshgrid(np.arange(-12, 13) * w / 12, np.arange(-4, 5) * h / 4)
    rng = np.random.default_rng(9)
    x = np.concatenate([xx.ravel(), hx + 700_000.0, qx.ravel() + 7000 * w, rng.uniform(-2e6, 2e6, 300)])
    y = np.concatenate([yy.ravel(), hy + 6_600_000.0, qy.ravel() + 30_000 * h, rng.uniform(-1e7, 1e7, 300)])
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
