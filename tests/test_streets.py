"""Street loading: one canonical function over OSM XML, PBF, Overpass GeoJSON and the (cached) online source."""

from __future__ import annotations

import json
import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import osmium
import pandas as pd
import pytest
import shapely
from osmium.osm.mutable import Node, Way
from shapely.geometry import LineString, box

from gis import InputError, OsmnxStreetSource, load_streets, read_street_file
from tests.helpers import ESSONNE_IGN

ORSAY = "91471"
ORSAY_STREETS = "osm/orsay_91471_highways_subset_2021-03-11.geojson"
COLUMNS = ["osm_id", "highway", "railway", "waterway", "name", "tunnel", "tags", "geometry"]


@pytest.fixture(scope="module")
def orsay_boundary(shared_data: Path) -> shapely.Geometry:
    communes = gpd.read_file(shared_data / ESSONNE_IGN)
    return communes.loc[communes["code"] == ORSAY, "geometry"].iloc[0]


# A small town square near Orsay (lon/lat): 4 streets around a block, a railway, a tunnel, a footpath.
LON0, LAT0 = 2.18, 48.70
D = 0.002


def _small_town() -> tuple[list[tuple[int, float, float]], list[tuple[int, list[int], dict[str, str]]]]:
    nodes = [
        (1, LON0, LAT0),
        (2, LON0 + D, LAT0),
        (3, LON0 + D, LAT0 + D),
        (4, LON0, LAT0 + D),
        (5, LON0 - D, LAT0 + D / 2),
        (6, LON0 + 2 * D, LAT0 + D / 2),
    ]
    ways = [
        (10, [1, 2], {"highway": "residential", "name": "Rue de Paris"}),
        (11, [2, 3], {"highway": "tertiary", "name": "Avenue Foch"}),
        (12, [3, 4], {"highway": "residential", "name": "Rue des Lilas"}),
        (13, [4, 1], {"highway": "living_street", "name": "Allée Verte"}),
        (14, [5, 6], {"railway": "rail"}),
        (15, [1, 3], {"highway": "footway"}),
        (16, [2, 4], {"building": "yes"}),  # not a linear feature we read
        (17, [1, 99], {"highway": "service"}),  # node 99 is missing from the extract
    ]
    return nodes, ways


def _write_osm(path: Path) -> Path:
    nodes, ways = _small_town()
    if path.exists():
        path.unlink()
    writer = osmium.SimpleWriter(str(path))
    for nid, lon, lat in nodes:
        writer.add_node(Node(id=nid, location=(lon, lat), tags={}))
    for wid, refs, tags in ways:
        writer.add_way(Way(id=wid, nodes=refs, tags=tags))
    writer.close()
    return path


def _town_boundary() -> shapely.Geometry:
    return box(LON0 - 2 * D, LAT0 - D, LON0 + 3 * D, LAT0 + 2 * D)


@pytest.mark.parametrize("suffix", [".osm", ".osm.pbf"])
def test_osm_xml_and_pbf_read_the_same_ways_with_tags(tmp_path: Path, suffix: str) -> None:
    path = _write_osm(tmp_path / f"town{suffix}")
    streets = load_streets(path, _town_boundary(), 2154)
    assert list(streets.columns) == COLUMNS
    assert streets.crs.to_epsg() == 2154
    assert sorted(streets["osm_id"]) == [f"way/{i}" for i in (10, 11, 12, 13, 14, 15)]  # no building, no broken way
    foch = streets[streets["osm_id"] == "way/11"].iloc[0]
    assert foch["highway"] == "tertiary" and foch["name"] == "Avenue Foch"
    assert foch["tags"] == {"highway": "tertiary", "name": "Avenue Foch"}
    assert streets.loc[streets["osm_id"] == "way/14", "railway"].iloc[0] == "rail"
    # About 0.002° of latitude: 222 m in metres.
    assert foch.geometry.length == pytest.approx(222.4, rel=0.01)


def test_xml_pbf_and_geojson_agree(tmp_path: Path) -> None:
    xml = load_streets(_write_osm(tmp_path / "t.osm"), _town_boundary(), 2154)
    pbf = load_streets(_write_osm(tmp_path / "t.osm.pbf"), _town_boundary(), 2154)
    geojson_path = tmp_path / "t.geojson"
    features = [
        {"type": "Feature", "properties": {"@id": oid, **tags},
         "geometry": json.loads(shapely.to_geojson(shapely.transform(g, lambda xy: xy)))}
        for oid, tags, g in zip(xml["osm_id"], xml["tags"], xml.to_crs(4326).geometry, strict=True)
    ]  # fmt: skip
    geojson_path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    gj = load_streets(geojson_path, _town_boundary(), 2154)
    for other in (pbf, gj):
        assert list(other["osm_id"]) == list(xml["osm_id"])
        assert list(other["highway"].fillna("")) == list(xml["highway"].fillna(""))
        assert np.allclose(other.length, xml.length, rtol=1e-6)


def test_orsay_overpass_export(orsay_boundary: shapely.Geometry, shared_file) -> None:
    streets = load_streets(shared_file(ORSAY_STREETS), orsay_boundary, 2154)
    assert list(streets.columns) == COLUMNS
    assert streets.crs.to_epsg() == 2154
    assert len(streets) > 1500  # 1,843 ways intersect Orsay's bounding box area; most touch the commune
    assert streets["osm_id"].str.startswith("way/").all()
    assert (streets.geom_type == "LineString").all()
    commune = gpd.GeoSeries([orsay_boundary], crs=4326).to_crs(2154).iloc[0]
    assert streets.intersects(commune).all()
    named = streets[streets["name"] == "Rue de Paris"]
    assert len(named) > 0 and (named["highway"] != "").all()
    # Every non-null property of the export is kept as a tag.
    assert all("highway" in tags and "@id" not in tags for tags in streets["tags"])
    assert streets.loc[streets["name"] == "Rue de Paris", "tags"].iloc[0]["name"] == "Rue de Paris"


def test_geojson_in_lambert93_is_reprojected(tmp_path: Path, orsay_boundary: shapely.Geometry, shared_file) -> None:
    original = load_streets(shared_file(ORSAY_STREETS), orsay_boundary, 2154)
    raw = gpd.read_file(shared_file(ORSAY_STREETS)).to_crs(2154)
    projected = tmp_path / "orsay_l93.geojson"
    raw.to_file(projected, driver="GeoJSON")  # writes the legacy "crs" member: EPSG:2154
    again = load_streets(projected, orsay_boundary, 2154)
    assert len(again) == len(original)
    assert np.allclose(again.length.sum(), original.length.sum(), rtol=1e-6)


def test_projected_coordinates_declared_as_wgs84_are_refused(tmp_path: Path, orsay_boundary: shapely.Geometry) -> None:
    path = tmp_path / "wrong_crs.geojson"
    line = LineString([(640_000, 6_844_000), (640_100, 6_844_050)])
    path.write_text(
        json.dumps({"type": "FeatureCollection", "features": [
            {"type": "Feature", "properties": {"@id": "way/1", "highway": "residential"},
             "geometry": json.loads(shapely.to_geojson(line))}]}),
        encoding="utf-8",
    )  # fmt: skip
    with pytest.raises(InputError, match="Lambert-93"):
        load_streets(path, orsay_boundary, 2154)


def test_streets_of_another_commune_are_refused(tmp_path: Path, orsay_boundary: shapely.Geometry) -> None:
    path = _write_osm(tmp_path / "elsewhere.osm")
    far = shapely.affinity.translate(orsay_boundary, xoff=0.5)  # half a degree east: no street inside
    with pytest.raises(
        InputError, match=re.escape("Aucune rue du fichier « elsewhere.osm » ne se trouve dans la commune")
    ):
        load_streets(path, far, 2154)


def test_unknown_format_and_missing_file(tmp_path: Path) -> None:
    bad = tmp_path / "streets.csv"
    bad.write_text("a;b\n", encoding="utf-8")
    with pytest.raises(InputError, match="Format de fichier de rues non reconnu"):
        read_street_file(bad)
    with pytest.raises(InputError, match="n'existe pas"):
        read_street_file(tmp_path / "absent.osm.pbf")


def test_too_large_street_file_is_refused_before_reading(tmp_path: Path) -> None:
    path = _write_osm(tmp_path / "t.osm")
    with pytest.raises(InputError, match="dépasse"):
        read_street_file(path, max_mb=path.stat().st_size / 2e6)


def test_online_source_downloads_once_then_reads_the_cache(tmp_path: Path) -> None:
    calls: list[shapely.Geometry] = []

    def fake_fetch(polygon: shapely.Geometry) -> gpd.GeoDataFrame:
        # What osmnx.features_from_polygon returns: an (element, id) index, tags as columns, NaN for absent tags.
        calls.append(polygon)
        frame = gpd.GeoDataFrame(
            {
                "element": ["way", "way", "node"],
                "id": [10, 11, 5],
                "highway": ["residential", "tertiary", np.nan],
                "name": ["Rue de Paris", np.nan, np.nan],
                "nodes": [[1, 2], [2, 3], np.nan],
            },
            geometry=[
                LineString([(LON0, LAT0), (LON0 + D, LAT0)]),
                LineString([(LON0 + D, LAT0), (LON0 + D, LAT0 + D)]),
                shapely.Point(LON0, LAT0),
            ],
            crs=4326,
        )
        return frame.set_index(["element", "id"])

    source = OsmnxStreetSource(tmp_path / "cache", fetch=fake_fetch)
    first = load_streets(source, _town_boundary(), 2154, cache_key="91471")
    second = load_streets(source, _town_boundary(), 2154, cache_key="91471")
    assert len(calls) == 1  # the second call read the cache
    assert (tmp_path / "cache" / "streets_91471.geojson").is_file()
    assert list(first["osm_id"]) == ["way/10", "way/11"] == list(second["osm_id"])
    assert first["tags"].iloc[0] == {"highway": "residential", "name": "Rue de Paris"}
    assert pd.isna(first["name"].iloc[1])


def test_online_source_failure_is_a_french_error_and_leaves_no_cache(tmp_path: Path) -> None:
    def offline(_polygon: shapely.Geometry) -> gpd.GeoDataFrame:
        raise ConnectionError("réseau coupé")

    source = OsmnxStreetSource(tmp_path / "cache", fetch=offline)
    with pytest.raises(InputError, match="Impossible de télécharger les rues"):
        load_streets(source, _town_boundary(), 2154, cache_key="91471")
    assert not list((tmp_path).rglob("*.geojson"))
