"""Generated sector names a resident recognises, and block weights from OSM buildings (issue 12 item 1).

Real data: Orsay's OSM extract (highways only) with the names of its small streets removed stands for a
commune with few named streets; momepy's Bubeneč sample (real OSM buildings and streets of a Prague district,
shipped with momepy, a project dependency) for the building weights.
"""

from __future__ import annotations

import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from shapely.geometry import LineString, box

from gis import load_osm_features, load_streets, read_osm_features, to_metric
from sectors import generate_sectors, sector_names
from sectors._naming import is_bare_street_type
from sectors._weights import building_weights
from tests.helpers import ESSONNE_IGN

ORSAY = "91471"
ORSAY_STREETS = "osm/orsay_91471_highways_subset_2021-03-11.geojson"
SMALL_STREETS = ("residential", "unclassified", "living_street", "pedestrian", "service")
BARE_NUMBER = re.compile(r"^Secteur \d+$")


@pytest.fixture(scope="module")
def orsay_few_names(shared_data: Path) -> tuple[gpd.GeoDataFrame, shapely.Geometry]:
    """Orsay's real streets, keeping the names of its main roads only; plus a way named just « Rue »."""
    communes = gpd.read_file(shared_data / ESSONNE_IGN)
    boundary = communes.loc[communes["code"] == ORSAY, "geometry"].iloc[0]
    streets = load_streets(shared_data / ORSAY_STREETS, boundary, 2154)
    streets.loc[streets["highway"].isin(SMALL_STREETS), "name"] = None
    main = streets[streets["name"].notna()].index
    streets.loc[main[::7], "name"] = "Rue"  # OSM has such ways: a type word and nothing else
    return streets, to_metric(boundary, 2154)


def _assert_recognisable(names: list[str]) -> None:
    assert len(set(names)) == len(names), names
    for name in names:
        assert not BARE_NUMBER.match(name), name
        assert not is_bare_street_type(name.removeprefix("Secteur ")), name
        for street in name.removeprefix("Secteur ").split(" (")[0].split(" – "):
            assert not is_bare_street_type(street), name


@pytest.mark.parametrize("n", [6, 12, 30])
def test_few_named_streets_never_give_a_bare_type_or_a_number(orsay_few_names, n: int) -> None:
    streets, commune = orsay_few_names
    assert streets["name"].notna().sum() < 0.15 * len(streets)
    result = generate_sectors(streets, commune, n_sectors=n)
    names = result.sectors["name"].tolist()
    _assert_recognisable(names)
    if n == 30:  # many sectors without a named street: named after their direction from the centre
        directions = ("nord", "sud", "est", "ouest", "centre")
        assert any(any(d in nm for d in directions) and " – " not in nm for nm in names), names


def test_a_sector_without_streets_takes_the_place_it_holds(orsay_few_names) -> None:
    streets, commune = orsay_few_names
    plain = generate_sectors(streets, commune, n_sectors=30)
    unnamed = [i for i, nm in enumerate(plain.sectors["name"]) if " – " not in nm and "rue" not in nm.lower()]
    assert unnamed
    target = plain.sectors.geometry.iloc[unnamed[0]]
    places = gpd.GeoDataFrame(
        {"name": ["Mondétour", "Orsay"], "place": ["hamlet", "town"]},
        geometry=[target.representative_point(), commune.centroid],
        crs=2154,
    )
    named = generate_sectors(streets, commune, n_sectors=30, places=places)
    assert named.sectors["name"].iloc[unnamed[0]] == "Secteur Mondétour"
    assert "Secteur Orsay" not in set(named.sectors["name"])  # the town itself names no sector
    _assert_recognisable(named.sectors["name"].tolist())


def test_bare_street_types() -> None:
    for bare in ("Rue", "rue", "Chemin 2", "Allée des", "Impasse sans nom", "Place"):
        assert is_bare_street_type(bare), bare
    for real in ("Rue de Paris", "Grande Rue", "Chemin du Moulin", "rue 14 Juillet"):
        assert not is_bare_street_type(real), real


def test_compass_names_are_unique_and_centre_is_named() -> None:
    streets = gpd.GeoDataFrame(
        {"name": [None], "highway": ["residential"]}, geometry=[LineString([(0, 0), (1, 1)])], crs=2154
    )
    cells = [box(x, y, x + 100, y + 100) for x in range(0, 300, 100) for y in range(0, 300, 100)]
    names = sector_names(gpd.GeoSeries(cells, crs=2154), streets)
    assert names[4] == "Secteur centre"  # the middle cell
    assert names[0] == "Secteur sud-ouest" and names[8] == "Secteur nord-est"
    assert len(set(names)) == 9


def test_read_places_and_buildings_from_osm_xml_and_overpass_geojson(tmp_path: Path) -> None:
    xml = tmp_path / "extrait.osm"
    xml.write_text(
        """<?xml version="1.0" encoding="UTF-8"?>
<osm version="0.6">
 <node id="1" lat="48.70" lon="2.18"><tag k="place" v="hamlet"/><tag k="name" v="Mondétour"/></node>
 <node id="2" lat="48.700" lon="2.190"/><node id="3" lat="48.700" lon="2.1902"/>
 <node id="4" lat="48.7002" lon="2.1902"/><node id="5" lat="48.7002" lon="2.190"/>
 <node id="6" lat="48.71" lon="2.19"><tag k="amenity" v="bench"/></node>
 <way id="10"><nd ref="2"/><nd ref="3"/><nd ref="4"/><nd ref="5"/><nd ref="2"/><tag k="building" v="house"/></way>
</osm>""",
        encoding="utf-8",
    )
    got = read_osm_features(xml)
    assert got.places["name"].tolist() == ["Mondétour"] and got.places["place"].tolist() == ["hamlet"]
    assert len(got.buildings) == 1 and got.buildings.geometry.iloc[0].geom_type == "MultiPolygon"
    geojson = tmp_path / "overpass.geojson"
    gpd.GeoDataFrame(
        {
            "name": ["Mondétour", None, "Rue X"],
            "place": ["hamlet", None, None],
            "building": [None, "yes", None],
            "highway": [None, None, "residential"],
        },
        geometry=[
            shapely.Point(2.18, 48.70),
            box(2.19, 48.70, 2.1902, 48.7002),
            LineString([(2.18, 48.7), (2.19, 48.7)]),
        ],
        crs=4326,
    ).to_file(geojson)
    boundary = box(2.17, 48.69, 2.2, 48.72)
    loaded = load_osm_features(geojson, boundary, 2154)
    assert loaded.places["name"].tolist() == ["Mondétour"] and len(loaded.buildings) == 1
    assert loaded.buildings.crs.to_epsg() == 2154
    assert 200 < loaded.buildings.geometry.iloc[0].area < 500  # about 15 m x 22 m
    assert load_osm_features(geojson, box(3, 45, 3.1, 45.1), 2154).buildings.empty


@pytest.fixture(scope="module")
def bubenec() -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, shapely.Geometry]:
    momepy = pytest.importorskip("momepy")
    path = momepy.datasets.get_path("bubenec")
    streets = gpd.read_file(path, layer="streets").to_crs(5514)
    buildings = gpd.read_file(path, layer="buildings").to_crs(5514)
    limit = shapely.box(*buildings.total_bounds).buffer(30)
    frame = gpd.GeoDataFrame(
        {
            "osm_id": [f"way/{i}" for i in range(len(streets))],
            "highway": "residential",
            "railway": None,
            "waterway": None,
            "name": None,
            "tunnel": None,
            "tags": [{} for _ in range(len(streets))],
        },
        geometry=streets.geometry.to_numpy(),
        crs=5514,
    )
    return frame, buildings, limit


def test_buildings_weigh_blocks_and_balance_built_floor_space(bubenec) -> None:
    streets, buildings, limit = bubenec
    by_area = generate_sectors(streets, limit, n_sectors=4)
    by_buildings = generate_sectors(streets, limit, n_sectors=4, buildings=buildings)
    assert by_area.weight_kind == "surface plafonnée" and by_buildings.weight_kind == "bâtiments"

    def footprint_spread(result) -> float:
        footprints = np.asarray(buildings.geometry.array)
        built = [float(shapely.area(shapely.intersection(footprints, g)).sum()) for g in result.sectors.geometry]
        return max(built) / min(built)

    assert footprint_spread(by_buildings) < footprint_spread(by_area)
    assert footprint_spread(by_buildings) < 1.6


def test_building_weights_count_each_building_once() -> None:
    blocks = gpd.GeoDataFrame({"area_m2": [100.0, 100.0]}, geometry=[box(0, 0, 10, 10), box(10, 0, 20, 10)], crs=2154)
    buildings = gpd.GeoDataFrame(geometry=[box(1, 1, 3, 3), box(8, 2, 12, 4), box(12, 5, 15, 8)], crs=2154)
    w = building_weights(blocks, buildings)
    # 4 m² and the 8 m² straddling one (its point on surface decides), 9 m² in the second; plus 5 % of 21/200 x 100.
    assert w.sum() == pytest.approx(21 + 0.05 * 21)
    assert w[1] > 9
