"""Diffusion perimeter on the real Bouray-sur-Juine boundary cut into a 3 x 3 grid of sectors."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from alerts_support import BOURAY_FILE, L93, bouray_boundary, grid_sectors
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from alerts import Scope, SectorIndex, SectorRef, diffusion_perimeter, whole_commune, widen
from gis import InputError, transform_geom, transform_xy


@pytest.fixture(scope="module")
def grid(shared_file):
    boundary = bouray_boundary(shared_file(BOURAY_FILE))
    gdf = grid_sectors(boundary)
    refs = [
        SectorRef(i + 1, name.removeprefix("Secteur "), name, geom)
        for i, (name, geom) in enumerate(zip(gdf["nom"], gdf.geometry, strict=True))
    ]
    return boundary, refs, SectorIndex(refs, L93)


def _lonlat(x: float, y: float) -> tuple[float, float]:
    lon, lat = transform_xy(np.array([x]), np.array([y]), L93, 4326)
    return float(lon[0]), float(lat[0])


def _metric(refs: list[SectorRef]) -> dict[int, shapely.Geometry]:
    return {r.id: transform_geom(r.geom, 4326, L93) for r in refs}


def test_a_point_deep_inside_a_sector_reaches_that_sector_only(grid) -> None:
    _, refs, index = grid
    metric = _metric(refs)
    for ref in refs:
        core = metric[ref.id].buffer(-200)
        if core.is_empty:
            continue
        p = core.representative_point()
        perimeter = diffusion_perimeter(index, *_lonlat(p.x, p.y))
        assert perimeter.sector_ids == (ref.id,) == perimeter.home_ids
        assert perimeter.scope == Scope.AUTO
        assert perimeter.geometry.equals(ref.geom)


def test_a_neighbour_within_the_distance_is_included(grid) -> None:
    _, refs, index = grid
    metric = _metric(refs)
    a, b = next((i, j) for i in metric for j in metric if i < j and metric[i].intersection(metric[j]).length > 500)
    edge = metric[a].intersection(metric[b])
    mid = edge.interpolate(0.5, normalized=True)
    # Walk 100 m into sector a, perpendicular-ish to the shared edge: towards a's interior.
    inner = metric[a].buffer(-100).boundary
    p = inner.interpolate(inner.project(mid))
    assert metric[a].contains(p) and 99 < metric[b].distance(p) < 101
    lonlat = _lonlat(p.x, p.y)
    assert diffusion_perimeter(index, *lonlat).sector_ids == tuple(sorted({a, b}))
    assert diffusion_perimeter(index, *lonlat, border_m=50).sector_ids == (a,)
    assert diffusion_perimeter(index, *lonlat, border_m=0).home_ids == (a,)


def test_a_point_on_a_shared_edge_belongs_to_both(grid) -> None:
    _, refs, index = grid
    metric = _metric(refs)
    a, b = next((i, j) for i in metric for j in metric if i < j and metric[i].intersection(metric[j]).length > 500)
    # A vertex of the shared edge, taken from the stored (EPSG:4326) geometries, is exactly on both borders.
    shared = refs[a - 1].geom.boundary.intersection(refs[b - 1].geom.boundary)
    vertex = shapely.get_coordinates(shared)[len(shapely.get_coordinates(shared)) // 2]
    perimeter = diffusion_perimeter(index, float(vertex[0]), float(vertex[1]), border_m=0)
    assert set(perimeter.home_ids) >= {a, b}


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(u=st.floats(0, 1), v=st.floats(0, 1), border=st.sampled_from([0.0, 50.0, 150.0, 400.0]))
def test_perimeter_is_exactly_the_sectors_within_the_distance(grid, u: float, v: float, border: float) -> None:
    boundary, refs, index = grid
    metric = _metric(refs)
    commune_m = transform_geom(boundary, 4326, L93)
    minx, miny, maxx, maxy = commune_m.bounds
    p = shapely.Point(minx + u * (maxx - minx), miny + v * (maxy - miny))
    expected = {i for i, g in metric.items() if g.distance(p) <= border + 1e-6}
    lonlat = _lonlat(p.x, p.y)
    if not expected:
        with pytest.raises(InputError, match="n'est dans aucun secteur"):
            diffusion_perimeter(index, *lonlat, border_m=border)
        return
    perimeter = diffusion_perimeter(index, *lonlat, border_m=border)
    # A point within a few millimetres of a border may round either way through the projection.
    borderline = {i for i, g in metric.items() if abs(g.distance(p) - border) < 0.01}
    assert set(perimeter.sector_ids) ^ expected <= borderline
    assert set(perimeter.home_ids) <= set(perimeter.sector_ids)
    assert perimeter.geometry.covers(shapely.Point(lonlat)) or not perimeter.home_ids


def test_widen_by_code_or_name_then_whole_commune(grid) -> None:
    boundary, refs, index = grid
    p = _metric(refs)[1].buffer(-200).representative_point()
    perimeter = diffusion_perimeter(index, *_lonlat(p.x, p.y))
    wider = widen(index, perimeter, ["C3", "Secteur B2"])
    assert wider.scope == Scope.WIDENED
    assert set(wider.sector_ids) == {1, 5, 9}
    assert wider.home_ids == perimeter.home_ids
    with pytest.raises(InputError, match="« Z9 »") as info:
        widen(index, perimeter, ["Z9"])
    assert "A1 (Secteur A1)" in info.value.problems
    everything = widen(index, perimeter, [r.code for r in refs])
    assert everything.scope == Scope.COMMUNE
    whole = whole_commune(index)
    area = transform_geom(whole.geometry, 4326, L93).area
    assert area == pytest.approx(transform_geom(boundary, 4326, L93).area, rel=1e-3)


def test_an_unprojected_crs_is_refused(grid) -> None:
    _, refs, _ = grid
    with pytest.raises(InputError, match="mètres"):
        SectorIndex(refs, 4326)


def test_no_sectors_is_a_clear_error() -> None:
    with pytest.raises(InputError, match="pas de secteurs actifs"):
        SectorIndex([], L93)
