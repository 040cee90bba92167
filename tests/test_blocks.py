"""Street blocks (enclosures): they partition the commune, on real data and on synthetic street grids."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from data.synthetic_city import synthetic_city
from gis import InputError, block_adjacency, build_blocks, load_streets, to_metric
from gis._blocks import enclosures
from tests.helpers import ESSONNE_IGN

ORSAY = "91471"
ORSAY_STREETS = "osm/orsay_91471_highways_subset_2021-03-11.geojson"


@pytest.fixture(scope="module")
def orsay(shared_data: Path) -> tuple[gpd.GeoDataFrame, shapely.Geometry]:
    communes = gpd.read_file(shared_data / ESSONNE_IGN)
    boundary = communes.loc[communes["code"] == ORSAY, "geometry"].iloc[0]
    streets = load_streets(shared_data / ORSAY_STREETS, boundary, 2154)
    return streets, to_metric(boundary, 2154)


def assert_partition(blocks: gpd.GeoDataFrame, commune: shapely.Geometry) -> None:
    """Union = commune (0.1 % symmetric difference), no overlap above 1 m², valid single polygons."""
    geoms = np.asarray(blocks.geometry.array)
    assert (blocks.geom_type == "Polygon").all()
    assert shapely.is_valid(geoms).all()
    union = shapely.union_all(geoms)
    assert union.symmetric_difference(commune).area < 1e-3 * commune.area
    # The areas add up to the union's: no overlap anywhere (1 m² in all).
    assert shapely.area(geoms).sum() - union.area < 1.0
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="overlaps")
    pairs = left < right
    if pairs.any():
        overlaps = shapely.area(shapely.intersection(geoms[left[pairs]], geoms[right[pairs]]))
        assert overlaps.max() <= 1.0


def test_orsay_blocks_partition_the_commune(orsay) -> None:
    streets, commune = orsay
    blocks = build_blocks(streets, commune)
    # The README counts ~177 faces for primary..living_street; with trunks, links and the sliver merge, 130-200.
    assert 120 <= len(blocks) <= 220
    assert_partition(blocks, commune)
    assert blocks.crs.to_epsg() == 2154
    assert list(blocks.index) == list(range(len(blocks)))
    assert np.allclose(blocks["area_m2"], blocks.area)
    # The streets cover only ~75 % of Orsay: the boundary closes the rest into a few large blocks.
    assert blocks["area_m2"].max() > 0.1 * commune.area


def test_same_faces_as_momepy(orsay) -> None:
    momepy = pytest.importorskip("momepy")
    streets, commune = orsay
    from gis._blocks import barrier_lines

    lines = barrier_lines(streets)
    clipped = gpd.GeoSeries(shapely.intersection(lines.geometry.array, commune), crs=2154)
    ours = enclosures(clipped.to_numpy(), commune)
    theirs = momepy.enclosures(clipped, limit=gpd.GeoSeries([commune], crs=2154), clip=True)
    assert len(ours) == len(theirs)
    assert sorted(np.round(shapely.area(ours), 3)) == sorted(np.round(theirs.area.to_numpy(), 3))


def test_slivers_are_merged_but_can_be_kept(orsay) -> None:
    streets, commune = orsay
    merged = build_blocks(streets, commune)
    every_face = build_blocks(streets, commune, min_area_m2=0, min_width_m=0)
    assert len(every_face) > len(merged)
    assert every_face["area_m2"].min() < 100 <= 500 <= merged["area_m2"].min()
    assert_partition(every_face, commune)


def test_barrier_classes_are_configurable(orsay) -> None:
    streets, commune = orsay
    main_only = build_blocks(streets, commune, highways=("trunk", "primary", "secondary"))
    assert 2 <= len(main_only) < len(build_blocks(streets, commune))
    assert_partition(main_only, commune)


def test_unprojected_streets_are_refused(orsay) -> None:
    streets, commune = orsay
    with pytest.raises(InputError, match="mètres"):
        build_blocks(streets.to_crs(4326), commune)


def test_no_barrier_inside_the_commune(orsay) -> None:
    streets, commune = orsay
    paths = streets[streets["highway"] == "footway"]
    with pytest.raises(InputError, match="Aucune rue carrossable"):
        build_blocks(paths, commune)


def test_tunnels_do_not_cut_and_railways_rivers_do() -> None:
    city = synthetic_city(150, seed=3)
    blocks = build_blocks(city.streets, city.boundary, min_area_m2=0, min_width_m=0)  # every face
    tunnel = city.streets[city.streets["tunnel"] == "yes"].geometry.iloc[0]
    rail = city.streets[(city.streets["railway"] == "rail") & city.streets["tunnel"].isna()].geometry.iloc[0]
    river = city.streets[city.streets["waterway"] == "river"].geometry.iloc[0]
    edges = shapely.union_all(blocks.boundary.array)
    inside = shapely.intersection(tunnel, city.boundary.buffer(-1))
    # A tunnel runs through blocks; the rail and the river run along block edges.
    assert shapely.intersection(edges, inside.buffer(0.01)).length < 0.5 * inside.length
    for barrier in (rail, river):
        part = shapely.intersection(barrier, city.boundary.buffer(-1))
        assert shapely.intersection(edges.buffer(0.01), part).length > 0.99 * part.length


def test_adjacency_only_across_shared_edges() -> None:
    city = synthetic_city(100, seed=5)
    blocks = build_blocks(city.streets, city.boundary)
    adj = block_adjacency(blocks)
    assert (adj["a"] < adj["b"]).all() and (adj["length"] > 0).all()
    geoms = np.asarray(blocks.geometry.array)
    shared = shapely.length(shapely.intersection(shapely.boundary(geoms[adj["a"]]), shapely.boundary(geoms[adj["b"]])))
    assert np.allclose(shared, adj["length"])
    # Every block has a neighbour (the commune is one piece).
    assert set(adj["a"]) | set(adj["b"]) == set(range(len(blocks)))


@settings(max_examples=12, deadline=None)
@given(seed=st.integers(0, 10_000), size=st.integers(20, 300), jitter=st.floats(0.0, 0.35))
def test_synthetic_blocks_partition_the_commune(seed: int, size: int, jitter: float) -> None:
    city = synthetic_city(size, seed=seed, jitter=jitter)
    blocks = build_blocks(city.streets, city.boundary)
    assert_partition(blocks, city.boundary)
    assert len(blocks) >= size // 3
