"""The ``voisinage`` command, through Typer's runner, on both backends."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
import shapely
from sqlalchemy import func, select
from typer.testing import CliRunner

from cli import app
from data.synthetic import grid_sectors
from sectors import load_boundary
from store import make_engine, transaction
from store.schema import Commune, Sector, SectorSet
from tests.helpers import BOURAY, BOURAY_OSM, ESSONNE_IGN, count_in_every_commune, write_geojson

runner = CliRunner()


def run(db_url: str, *args: str, input: str | None = None):
    return runner.invoke(app, ["--db", db_url, *args], input=input)


def counts(db_url: str) -> tuple[int, int, int]:
    """Communes, sector sets and sectors stored (in every commune)."""
    engine = make_engine(db_url)
    with transaction(engine) as session:
        communes = int(session.scalar(select(func.count()).select_from(Commune)) or 0)  # public: read unbound
        got = (communes, count_in_every_commune(session, SectorSet), count_in_every_commune(session, Sector))
    engine.dispose()
    return got


@pytest.fixture
def sectors_file(tmp_path: Path, shared_file) -> Path:
    boundary = load_boundary(shared_file(BOURAY_OSM), BOURAY, max_mb=50)
    path = tmp_path / "secteurs.geojson"
    grid_sectors(boundary, 2154, 3, 2).to_file(path)
    return path


@pytest.fixture
def with_commune(db_url: str, shared_file) -> str:
    result = run(
        db_url,
        "commune",
        "add",
        "--insee",
        BOURAY,
        "--name",
        "Bouray-sur-Juine",
        "--boundary",
        str(shared_file(BOURAY_OSM)),
    )
    assert result.exit_code == 0, result.output
    assert "7.2" in result.stderr and "EPSG:2154" in result.stderr
    return db_url


def test_db_init_is_idempotent(owner_db_url: str) -> None:
    assert run(owner_db_url, "db", "init").exit_code == 0  # db init migrates: the tables' owner runs it
    assert run(owner_db_url, "db", "init").exit_code == 0


def test_whole_flow(with_commune: str, sectors_file: Path, tmp_path: Path) -> None:
    db = with_commune
    result = run(db, "sectors", "import", "--commune", BOURAY, str(sectors_file))
    assert result.exit_code == 0, result.output
    assert "Version 1 importée (brouillon) : 6 secteurs" in result.stderr
    assert "sectors activate --commune 91095 --version 1" in result.stderr
    assert run(db, "sectors", "activate", "--commune", BOURAY, "--version", "1").exit_code == 0
    listing = run(db, "sectors", "list", "--commune", BOURAY)
    assert listing.exit_code == 0
    assert "Version 1\tactif\t6 secteurs" in listing.stdout and "Secteur A1" in listing.stdout
    assert " ha\t2 places de référent" in listing.stdout
    located = run(db, "sectors", "locate", "--commune", BOURAY, "2.2995", "48.5207")
    assert located.exit_code == 0 and located.stdout.strip().startswith("Secteur ")
    outside = run(db, "sectors", "locate", "--commune", BOURAY, "2.0", "48.0")
    assert outside.exit_code == 1 and outside.stdout == "" and "aucun secteur" in outside.stderr
    # CSV batch: lon,lat,sector with an empty sector outside the commune.
    points = tmp_path / "points.csv"
    points.write_text("lon,lat\n2.2995,48.5207\n2.0,48.0\n2.28,48.515\n")
    batch = run(db, "sectors", "locate", "--commune", BOURAY, "--csv", str(points))
    assert batch.exit_code == 0, batch.output
    rows = list(csv.reader(io.StringIO(batch.stdout)))
    assert rows[0] == ["lon", "lat", "sector"]
    assert rows[1][:2] == ["2.2995", "48.5207"] and rows[1][2] == located.stdout.strip()
    assert rows[2] == ["2.0", "48.0", ""]
    # Export in the three formats, then re-import the GeoJSON as version 2 with --activate.
    for ext in ("geojson", "gpkg", "shp"):
        exported = run(db, "sectors", "export", "--commune", BOURAY, "--out", str(tmp_path / f"out.{ext}"))
        assert exported.exit_code == 0 and (tmp_path / f"out.{ext}").exists()
    doc = json.loads((tmp_path / "out.geojson").read_text())
    assert {f["properties"]["nom"] for f in doc["features"]} >= {"Secteur A1", "Secteur C2"}
    again = run(db, "sectors", "import", "--commune", BOURAY, str(tmp_path / "out.geojson"), "--activate")
    assert again.exit_code == 0 and "Version 2 importée (actif)" in again.stderr
    listing = run(db, "sectors", "list", "--commune", BOURAY).stdout
    assert "Version 1\tretiré" in listing and "Version 2\tactif" in listing


def test_commune_add_picks_the_commune_in_a_multi_commune_file(db_url: str, shared_file) -> None:
    result = run(
        db_url, "commune", "add", "--insee", BOURAY, "--name", "Bouray", "--boundary", str(shared_file(ESSONNE_IGN))
    )
    assert result.exit_code == 0, result.output
    assert counts(db_url)[0] == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--insee", "91999", "--name", "X"], "Code INSEE inconnu"),
        (["--insee", "9109", "--name", "X"], "Code INSEE invalide"),
    ],
)
def test_commune_add_bad_input(db_url: str, shared_file, args: list[str], message: str) -> None:
    result = run(db_url, "commune", "add", *args, "--boundary", str(shared_file(ESSONNE_IGN)))
    assert result.exit_code == 2 and message in result.stderr and result.stderr.startswith("Erreur : ")
    assert counts(db_url) == (0, 0, 0)


def test_bad_sector_files_exit_2_and_store_nothing(with_commune: str, tmp_path: Path, sectors_file: Path) -> None:
    db = with_commune
    import geopandas as gpd

    grid = gpd.read_file(sectors_file)
    overlapping = grid.copy()
    overlapping.loc[0, "geometry"] = overlapping.geometry.iloc[0].union(overlapping.geometry.iloc[1].buffer(-0.001))
    overlap_file = tmp_path / "overlap.geojson"
    overlapping.to_file(overlap_file)
    empty = tmp_path / "empty.geojson"
    empty.write_text("")
    malformed = tmp_path / "malformed.geojson"
    malformed.write_text('{"type": "FeatureCollection", "features": [')
    points = write_geojson(tmp_path / "points.geojson", [shapely.Point(2.29, 48.51)])
    metres = write_geojson(tmp_path / "metres.geojson", [shapely.box(637_000, 6_820_000, 641_000, 6_823_000)])
    swapped = write_geojson(tmp_path / "swapped.geojson", [shapely.box(48.50, 2.28, 48.52, 2.30)])
    outside = write_geojson(tmp_path / "outside.geojson", [shapely.box(2.40, 48.60, 2.41, 48.61)], [{"nom": "Loin"}])
    cases = {
        overlap_file: "se chevauchent",
        empty: "est vide",
        malformed: "GeoJSON valide",
        points: "aucun polygone",
        metres: "Lambert-93",
        swapped: "inversées",
        outside: "« Loin » déborde",
    }
    for path, message in cases.items():
        result = run(db, "sectors", "import", "--commune", BOURAY, str(path), "--activate")
        assert result.exit_code == 2, (path.name, result.output)
        assert message in result.stderr, (path.name, result.stderr)
        assert counts(db) == (1, 0, 0), path.name


def test_file_over_the_size_limit(with_commune: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from settings import get_settings

    monkeypatch.setenv("VOISINAGE_MAX_UPLOAD_MB", "0.001")
    get_settings.cache_clear()
    try:
        big = tmp_path / "big.geojson"
        big.write_text('{"type":"FeatureCollection","features":[]}' + " " * 4000)
        result = run(with_commune, "sectors", "import", "--commune", BOURAY, str(big))
        assert result.exit_code == 2 and "au-delà de la limite" in result.stderr
    finally:
        get_settings.cache_clear()


def test_unknown_commune_for_sectors(db_url: str, sectors_file: Path) -> None:
    run(db_url, "db", "init")
    result = run(db_url, "sectors", "import", "--commune", "91999", str(sectors_file))
    assert result.exit_code == 2 and "n'est pas enregistrée" in result.stderr


def test_locate_without_sector_set_and_bad_csv(with_commune: str, tmp_path: Path, sectors_file: Path) -> None:
    db = with_commune
    result = run(db, "sectors", "locate", "--commune", BOURAY, "2.2995", "48.5207")
    assert result.exit_code == 2 and "aucun découpage" in result.stderr
    run(db, "sectors", "import", "--commune", BOURAY, str(sectors_file))
    result = run(db, "sectors", "locate", "--commune", BOURAY, "2.2995", "48.5207")
    assert result.exit_code == 2 and "pas de découpage actif" in result.stderr
    run(db, "sectors", "activate", "--commune", BOURAY, "--version", "1")
    bad = tmp_path / "bad.csv"
    bad.write_text("x,y\n1,2\n")
    result = run(db, "sectors", "locate", "--commune", BOURAY, "--csv", str(bad))
    assert result.exit_code == 2 and "lon, lat" in result.stderr
    bad.write_text("lon,lat\n2.29,48.51\nabc,48.5\n")
    result = run(db, "sectors", "locate", "--commune", BOURAY, "--csv", str(bad))
    assert result.exit_code == 2 and "lignes 3" in result.stderr


def test_export_unknown_extension(with_commune: str, sectors_file: Path, tmp_path: Path) -> None:
    run(with_commune, "sectors", "import", "--commune", BOURAY, str(sectors_file), "--activate")
    result = run(with_commune, "sectors", "export", "--commune", BOURAY, "--out", str(tmp_path / "x.kml"))
    assert result.exit_code == 2 and "Extension de sortie" in result.stderr


def test_unreachable_database_is_a_french_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["--db", f"sqlite:///{tmp_path}/absent.sqlite3", "commune", "list"])
    assert result.exit_code == 2 and "voisinage db init" in result.stderr
