"""Point -> sector: "covers" semantics, deterministic tie-break, same answers on both backends."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from data.synthetic import voronoi_sectors
from sectors import OUTSIDE, GridLocator, Locator, get_commune, import_sector_set, locate, locate_many
from store import transaction
from store._rls import bind_connection
from store._spatial import covering_sector_ids
from tests.helpers import BOURAY, BOURAY_OSM, bouray_with_sectors


def brute_force(geoms: np.ndarray, ids: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Smallest id among the polygons covering each point, by testing every polygon."""
    out = np.full(len(x), OUTSIDE, dtype=np.int64)
    for k in np.argsort(ids)[::-1]:
        out[shapely.intersects_xy(geoms[k], x, y)] = ids[k]
    return out


# ------------------------------------------------------------------ synthetic partitions
@st.composite
def guillotine(draw: st.DrawFn) -> list[shapely.Polygon]:
    """A random partition of a square by axis-aligned cuts on a dyadic grid (exact coordinates)."""
    boxes = [(0.0, 0.0, 64.0, 64.0)]
    for _ in range(draw(st.integers(1, 12))):
        k = draw(st.integers(0, len(boxes) - 1))
        x0, y0, x1, y1 = boxes[k]
        vertical = draw(st.booleans())
        lo, hi = (x0, x1) if vertical else (y0, y1)
        if hi - lo < 0.5:
            continue
        cut = lo + draw(st.integers(1, int((hi - lo) * 4) - 1)) / 4
        boxes[k : k + 1] = (
            [(x0, y0, cut, y1), (cut, y0, x1, y1)] if vertical else [(x0, y0, x1, cut), (x0, cut, x1, y1)]
        )
    return [shapely.box(*b) for b in boxes]


def _edge_and_vertex_points(polys: list[shapely.Polygon]) -> tuple[np.ndarray, np.ndarray]:
    coords = shapely.get_coordinates(polys)
    rings = [np.asarray(p.exterior.coords) for p in polys]
    mids = np.concatenate([(r[:-1] + r[1:]) / 2 for r in rings])  # exactly on edges (dyadic arithmetic)
    pts = np.concatenate([coords, mids])
    return pts[:, 0], pts[:, 1]


@settings(max_examples=150, deadline=None)
@given(guillotine(), st.integers(256, 20_000), st.randoms(use_true_random=False))
def test_points_on_vertices_and_shared_edges_get_exactly_one_sector(polys, n_cells, rnd) -> None:
    ids = np.array(rnd.sample(range(1, 10_000), len(polys)), dtype=np.int64)  # ids unrelated to position
    geoms = np.array(polys, dtype=object)
    grid = GridLocator.build(ids, geoms, n_cells=n_cells)
    x, y = _edge_and_vertex_points(polys)
    got = grid.locate_many(x, y)
    assert (got != OUTSIDE).all()  # inside the square, every point has a sector …
    assert (got == brute_force(geoms, ids, x, y)).all()  # … the smallest id of those covering it
    assert [grid.locate(a, b) for a, b in zip(x[:50], y[:50], strict=False)] == got[:50].tolist()


@settings(max_examples=100, deadline=None)
@given(guillotine(), st.integers(256, 20_000), st.integers(0, 2**31))
def test_points_strictly_inside_get_their_sector(polys, n_cells, seed) -> None:
    rng = np.random.default_rng(seed)
    ids = np.arange(1, len(polys) + 1)
    grid = GridLocator.build(ids, np.array(polys, dtype=object), n_cells=n_cells)
    for sid, poly in zip(ids, polys, strict=True):
        x0, y0, x1, y1 = poly.bounds
        x = rng.uniform(x0, x1, 20)
        y = rng.uniform(y0, y1, 20)
        strictly = shapely.contains_xy(poly, x, y) & ~shapely.intersects_xy(poly.boundary, x, y)
        assert (grid.locate_many(x[strictly], y[strictly]) == sid).all()


@settings(max_examples=40, deadline=None)
@given(st.integers(2, 60), st.integers(0, 2**31), st.integers(1024, 50_000))
def test_voronoi_partitions_match_brute_force(n, seed, n_cells) -> None:
    gdf = voronoi_sectors((2.2, 48.5, 2.4, 48.6), n, seed=seed)
    geoms = np.asarray(gdf.geometry, dtype=object)
    ids = np.arange(1, len(geoms) + 1)
    grid = GridLocator.build(ids, geoms, n_cells=n_cells)
    rng = np.random.default_rng(seed)
    vx, vy = shapely.get_coordinates(geoms).T  # Voronoi vertices: shared by 2–3 cells
    x = np.concatenate([rng.uniform(2.19, 2.41, 500), vx])
    y = np.concatenate([rng.uniform(48.49, 48.61, 500), vy])
    assert (grid.locate_many(x, y) == brute_force(geoms, ids, x, y)).all()


def test_nan_and_far_points_are_outside() -> None:
    grid = GridLocator.build(np.array([1]), np.array([shapely.box(0, 0, 1, 1)]), n_cells=1024)
    assert grid.locate_many(np.array([np.nan, 5.0, 0.5]), np.array([0.5, 5.0, np.inf])).tolist() == [-1, -1, -1]
    assert grid.locate(float("nan"), 0.5) == OUTSIDE


def test_empty_set() -> None:
    grid = GridLocator.build(np.array([], dtype=np.int64), np.array([], dtype=object), n_cells=1024)
    assert grid.locate(0, 0) == OUTSIDE and grid.locate_many(np.zeros(3), np.zeros(3)).tolist() == [-1] * 3


# ------------------------------------------------------------------ both backends, real boundary
@pytest.fixture
def bouray_grid(engine: Engine, shared_file) -> tuple[Engine, int]:
    set_id, _ = bouray_with_sectors(engine, shared_file(BOURAY_OSM), 4, 3)
    return engine, set_id


def _bouray_id(engine: Engine) -> int:
    with transaction(engine) as session:
        return get_commune(session, BOURAY).id


def _probe_points(engine: Engine, set_id: int) -> tuple[np.ndarray, np.ndarray]:
    """Random points around the commune plus every vertex of every sector (shared edges and corners)."""
    with transaction(engine) as session:
        commune = get_commune(session, BOURAY)
        sectors = [s.geom for s in commune.sector_sets[-1].sectors]
    vx, vy = shapely.get_coordinates(sectors).T
    rng = np.random.default_rng(7)
    minx, miny, maxx, maxy = shapely.total_bounds(sectors)
    x = np.concatenate([rng.uniform(minx - 0.005, maxx + 0.005, 3000), vx])
    y = np.concatenate([rng.uniform(miny - 0.005, maxy + 0.005, 3000), vy])
    return x, y


def test_backend_answers_match_brute_force(bouray_grid) -> None:
    engine, set_id = bouray_grid
    x, y = _probe_points(engine, set_id)
    with transaction(engine) as session:
        sset = get_commune(session, BOURAY).sector_sets[-1]
        ids = np.array([s.id for s in sset.sectors])
        geoms = np.array([s.geom for s in sset.sectors], dtype=object)
    expected = brute_force(geoms, ids, x, y)
    assert (expected != OUTSIDE).sum() > 1000
    assert (locate_many(engine, BOURAY, x, y) == expected).all()  # batch
    loc = Locator(engine, BOURAY)
    assert [loc.locate_id(a, b) for a, b in zip(x[::7], y[::7], strict=True)] == expected[::7].tolist()  # single
    assert [loc.locate_id_sql(a, b) for a, b in zip(x[::7], y[::7], strict=True)] == expected[::7].tolist()
    with engine.begin() as conn:  # the store's own spatial query: R*Tree + shapely, or ST_Covers
        bind_connection(conn, _bouray_id(engine))  # bound to the commune, as its callers are
        via_store = [
            (covering_sector_ids(conn, set_id, a, b) or [OUTSIDE])[0] for a, b in zip(x[::11], y[::11], strict=True)
        ]
    assert via_store == expected[::11].tolist()
    loc.close()


def test_vertices_shared_by_several_sectors_go_to_the_smallest_id(bouray_grid) -> None:
    engine, _ = bouray_grid
    with transaction(engine) as session:
        sset = get_commune(session, BOURAY).sector_sets[-1]
        by_id = {s.id: s.geom for s in sset.sectors}
    shared = 0
    for x, y in shapely.get_coordinates(list(by_id.values())):
        covering = sorted(i for i, g in by_id.items() if shapely.intersects_xy(g, x, y))
        if len(covering) >= 2:
            shared += 1
            assert locate(engine, BOURAY, x, y).id == covering[0]
    assert shared >= 20  # the interior grid lines and corners are shared by 2 to 4 sectors


def test_locator_follows_activation(bouray_grid, shared_file) -> None:
    engine, _ = bouray_grid
    loc = Locator(engine, BOURAY, cache_seconds=3600)
    first = loc.locate(2.2995, 48.5207)
    assert first is not None
    with transaction(engine) as session:
        commune = get_commune(session, BOURAY)
        from data.synthetic import grid_sectors

        gdf = grid_sectors(commune.boundary, commune.crs_epsg, 1, 1)
        gdf["nom"] = ["Toute la commune"]
        import_sector_set(session, commune, gdf, activate=True)
    assert loc.locate(2.2995, 48.5207).name == "Toute la commune"  # despite the hour-long cache
    loc.close()


def test_no_active_set_means_no_sector(engine: Engine, shared_file) -> None:
    from sectors import load_boundary, register_commune

    with transaction(engine) as session:
        register_commune(session, BOURAY, "Bouray", load_boundary(shared_file(BOURAY_OSM), BOURAY, max_mb=50))
    assert Locator(engine, BOURAY).locate(2.2995, 48.5207) is None
    assert locate_many(engine, BOURAY, np.array([2.2995]), np.array([48.5207])).tolist() == [OUTSIDE]


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data())
def test_backends_agree_on_edge_points_property(bouray_grid, data) -> None:
    engine, set_id = bouray_grid
    with transaction(engine) as session:
        sectors = [s.geom for s in get_commune(session, BOURAY).sector_sets[-1].sectors]
    coords = shapely.get_coordinates(sectors)
    k = data.draw(st.integers(0, len(coords) - 2))
    t = data.draw(st.sampled_from([0.0, 0.25, 0.5, 1.0]))
    x, y = coords[k] + t * (coords[k + 1] - coords[k])
    single = Locator(engine, BOURAY).locate_id(x, y)
    with engine.begin() as conn:
        bind_connection(conn, _bouray_id(engine))
        store_ids = covering_sector_ids(conn, set_id, x, y)
    assert single == (store_ids[0] if store_ids else OUTSIDE)
