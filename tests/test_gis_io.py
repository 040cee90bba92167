"""Reading the files communes hand over: formats, limits, and every bad input with a French message."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest
import shapely

from gis import InputError, read_vector_file, write_vector_file
from tests.helpers import write_geojson

SQUARE = shapely.box(2.28, 48.50, 2.30, 48.52)  # in Bouray-sur-Juine


def _error(path: Path, **kwargs: object) -> str:
    with pytest.raises(InputError) as info:
        read_vector_file(path, max_mb=kwargs.pop("max_mb", 50), **kwargs)  # type: ignore[arg-type]
    return str(info.value)


def test_reads_geojson_gpkg_shp_and_zip(tmp_path: Path) -> None:
    gdf = gpd.GeoDataFrame({"nom": ["Centre"]}, geometry=[SQUARE], crs=4326)
    for name in ("s.geojson", "s.gpkg", "s.shp"):
        write_vector_file(gdf, tmp_path / name)
        back = read_vector_file(tmp_path / name, max_mb=50)
        assert back.crs.to_epsg() == 4326 and back["nom"].tolist() == ["Centre"]
        assert back.geometry.iloc[0].symmetric_difference(SQUARE).area < 1e-14  # rings may be reoriented
    import zipfile

    with zipfile.ZipFile(tmp_path / "s.zip", "w") as zf:
        for ext in ("shp", "shx", "dbf", "prj"):
            zf.write(tmp_path / f"s.{ext}", f"s.{ext}")
    assert len(read_vector_file(tmp_path / "s.zip", max_mb=50)) == 1


def test_lambert93_file_is_reprojected(tmp_path: Path) -> None:
    gdf = gpd.GeoDataFrame({"nom": ["Centre"]}, geometry=[SQUARE], crs=4326).to_crs(2154)
    write_vector_file(gdf, tmp_path / "l93.gpkg")
    back = read_vector_file(tmp_path / "l93.gpkg", max_mb=50)
    assert back.crs.to_epsg() == 4326
    assert back.geometry.iloc[0].symmetric_difference(SQUARE).area < 1e-12


def test_missing_file(tmp_path: Path) -> None:
    assert "introuvable" in _error(tmp_path / "nope.geojson")


def test_empty_file(tmp_path: Path) -> None:
    (tmp_path / "vide.geojson").write_bytes(b"")
    assert "vide" in _error(tmp_path / "vide.geojson")


def test_malformed_geojson_names_line_and_column(tmp_path: Path) -> None:
    (tmp_path / "bad.geojson").write_text('{"type": "FeatureCollection",\n "features": [ {"type": }\n]}')
    message = _error(tmp_path / "bad.geojson")
    assert "GeoJSON valide" in message and "ligne 2" in message


def test_json_that_is_not_geojson(tmp_path: Path) -> None:
    (tmp_path / "x.geojson").write_text('{"hello": 1}')
    assert "n'est pas un GeoJSON" in _error(tmp_path / "x.geojson")


def test_unknown_extension(tmp_path: Path) -> None:
    (tmp_path / "x.kml").write_text("<kml/>")
    assert "Format non reconnu" in _error(tmp_path / "x.kml")


def test_file_over_the_size_limit_is_refused_before_reading(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    big = tmp_path / "gros.geojson"
    with big.open("wb") as fh:  # a sparse 60 MB file: nothing is written, nothing may be read
        fh.truncate(60 * 1024 * 1024)

    def no_read(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("the file was read")

    monkeypatch.setattr("gis._io._check_json", no_read)
    monkeypatch.setattr("gis._io.pyogrio.read_dataframe", no_read)
    message = _error(big, max_mb=50)
    assert "60.0 Mo" in message and "50 Mo" in message and "VOISINAGE_MAX_UPLOAD_MB" in message


def test_lambert93_coordinates_declared_as_degrees(tmp_path: Path) -> None:
    metres = shapely.box(637_000, 6_820_000, 641_000, 6_823_000)
    message = _error(write_geojson(tmp_path / "m.geojson", [metres]))
    assert "Lambert-93" in message


def test_swapped_lon_lat(tmp_path: Path) -> None:
    swapped = shapely.box(48.50, 2.28, 48.52, 2.30)
    assert "inversées" in _error(write_geojson(tmp_path / "s.geojson", [swapped]))


def test_features_without_geometry_only(tmp_path: Path) -> None:
    (tmp_path / "n.geojson").write_text(
        '{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":null}]}'
    )
    assert "aucune géométrie" in _error(tmp_path / "n.geojson")


def test_gzipped_geojson(shared_file) -> None:
    gdf = read_vector_file(shared_file("boundaries/essonne-91_194-communes_osm-cosmogony.geojson.gz"), max_mb=50)
    assert len(gdf) == 194 and "insee" in gdf.columns


def test_write_refuses_unknown_extension(tmp_path: Path) -> None:
    gdf = gpd.GeoDataFrame(geometry=[SQUARE], crs=4326)
    with pytest.raises(InputError, match="Extension de sortie"):
        write_vector_file(gdf, tmp_path / "x.csv")
