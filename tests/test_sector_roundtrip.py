"""Export -> QGIS-style re-save -> import keeps codes, names and referent places (GeoJSON, GeoPackage, Shapefile).

QGIS's "Save Features As" is imitated with GDAL, as QGIS itself writes through it: Shapefile field names
truncated to 10 characters, the layer reprojected to Lambert-93 with a .prj and a UTF-8 .cpg; a GeoPackage
with its ``fid`` column and a ``geom`` geometry column; RFC 7946 GeoJSON at 7 decimals with integers as reals.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest
from sqlalchemy import Engine

from data.synthetic import grid_sectors
from gis import read_vector_file, to_metric, write_vector_file
from sectors import get_commune, get_set, import_sector_set, load_boundary, register_commune, to_geodataframe
from store import transaction
from tests.helpers import BOURAY, BOURAY_OSM

pytestmark = pytest.mark.shared_data

# Names a mairie writes: accents, apostrophes, dashes, and long enough to test field widths.
NAMES = [
    "Le Château – rue de l'Église",
    "Hameau de Mesnil-Voisin",
    "Secteur gare (nord-est) : allée des Peupliers et chemin du Moulin de la Roche",
    "Ça c'est Bouray",
    "Œillets",
    "Les Près-Fleuris",
]


def _qgis_resave(source: Path, out_dir: Path) -> Path:
    """Read ``source`` and write it again as QGIS's « Enregistrer les entités sous… » would."""
    gdf = gpd.read_file(source)
    suffix = source.suffix.lower()
    if suffix == ".shp":
        gdf = gdf.to_crs(2154)  # saved in the project's CRS
        gdf.columns = [c[:10] if c != gdf.geometry.name else c for c in gdf.columns]
        path = out_dir / "secteurs_qgis.shp"
        pyogrio.write_dataframe(gdf, path, driver="ESRI Shapefile", encoding="UTF-8")
    elif suffix == ".gpkg":
        gdf = gdf.rename_geometry("geom")
        gdf.insert(0, "fid", range(1, len(gdf) + 1))
        path = out_dir / "secteurs_qgis.gpkg"
        pyogrio.write_dataframe(gdf, path, driver="GPKG", layer="secteurs modifiés")
    else:
        for column in gdf.columns:
            if column != gdf.geometry.name and gdf[column].dtype.kind == "i":
                gdf[column] = gdf[column].astype(float)
        path = out_dir / "secteurs_qgis.geojson"
        pyogrio.write_dataframe(gdf, path, driver="GeoJSON", RFC7946="YES", COORDINATE_PRECISION=7)
    return path


@pytest.mark.parametrize("suffix", [".geojson", ".gpkg", ".shp"])
def test_qgis_round_trip_keeps_codes_names_and_referents(
    engine: Engine, shared_file, tmp_path: Path, suffix: str
) -> None:
    boundary = load_boundary(shared_file(BOURAY_OSM), BOURAY, max_mb=50)
    with transaction(engine) as session:
        commune = register_commune(session, BOURAY, "Bouray-sur-Juine", boundary)
        gdf = grid_sectors(boundary, commune.crs_epsg, 3, 2)
        gdf["nom"] = NAMES[: len(gdf)]
        gdf["code"] = [f"BJ-{i:02d}" for i in range(len(gdf))]
        gdf["referents"] = [1 + i % 3 for i in range(len(gdf))]
        import_sector_set(session, commune, gdf, activate=True)
    with transaction(engine) as session:
        exported = to_geodataframe(get_set(session, get_commune(session, BOURAY), 1))
    assert all(len(c) <= 10 for c in exported.columns)  # nothing for a Shapefile to truncate
    written = write_vector_file(exported, tmp_path / f"export{suffix}")
    resaved = _qgis_resave(written, tmp_path)
    with transaction(engine) as session:
        commune = get_commune(session, BOURAY)
        again = import_sector_set(session, commune, read_vector_file(resaved, max_mb=50)).sector_set
        assert again.version == 2
        before = {s.code: s for s in get_set(session, commune, 1).sectors}
        after = {s.code: s for s in again.sectors}
        assert set(after) == set(before)
        for code, s in after.items():
            assert s.name == before[code].name
            assert s.referent_places == before[code].referent_places
            a, b = to_metric(s.geom, commune.crs_epsg), to_metric(before[code].geom, commune.crs_epsg)
            assert a.symmetric_difference(b).area < 0.02 * b.length  # a 2 cm band at most (7 decimals)


def test_truncated_shapefile_field_names_are_recognised(engine: Engine, shared_file, tmp_path: Path) -> None:
    boundary = load_boundary(shared_file(BOURAY_OSM), BOURAY, max_mb=50)
    with transaction(engine) as session:
        commune = register_commune(session, BOURAY, "Bouray-sur-Juine", boundary)
        gdf = grid_sectors(boundary, commune.crs_epsg, 2, 1)
    gdf = gdf.rename(columns={"nom": "NOM"})
    gdf["code_secteur"] = ["A", "B"]
    gdf["referent_places"] = [3, 4]
    path = tmp_path / "mairie.shp"
    with pytest.warns(RuntimeWarning, match="laundered field name"):
        pyogrio.write_dataframe(gdf, path, driver="ESRI Shapefile")
    read = read_vector_file(path, max_mb=50)
    assert {"code_secte", "referent_p", "NOM"} <= set(read.columns)
    with transaction(engine) as session:
        stored = import_sector_set(session, get_commune(session, BOURAY), read).sector_set
        assert sorted((s.code, s.name, s.referent_places) for s in stored.sectors) == [
            ("A", "Secteur A1", 3),
            ("B", "Secteur B1", 4),
        ]
