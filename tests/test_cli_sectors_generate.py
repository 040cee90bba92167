"""``voisinage sectors generate`` through Typer's runner, on both backends: results, and bad input stores nothing."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from sqlalchemy import select
from typer.testing import CliRunner

from cli import app
from sectors import get_commune
from store import make_engine, transaction
from store.schema import Sector, SectorSet
from tests.helpers import ESSONNE_IGN
from tests.test_cli import counts

ORSAY = "91471"
ORSAY_STREETS = "osm/orsay_91471_highways_subset_2021-03-11.geojson"
BAN_HEADER = (
    "id;id_fantoir;numero;rep;nom_voie;code_postal;code_insee;nom_commune;code_insee_ancienne_commune;"
    "nom_ancienne_commune;x;y;lon;lat;type_position;alias;nom_ld;libelle_acheminement;nom_afnor;"
    "source_position;source_nom_voie;certification_commune;cad_parcelles"
)
runner = CliRunner()


def run(db_url: str, *args: str):
    return runner.invoke(app, ["--db", db_url, *args])


@pytest.fixture
def with_orsay(db_url: str, shared_file) -> str:
    result = run(
        db_url, "commune", "add", "--insee", ORSAY, "--name", "Orsay", "--boundary", str(shared_file(ESSONNE_IGN))
    )
    assert result.exit_code == 0, result.output
    return db_url


@pytest.fixture
def streets(shared_file) -> str:
    return str(shared_file(ORSAY_STREETS))


def test_generate_writes_a_file_and_saves_a_draft(with_orsay: str, streets: str, tmp_path: Path) -> None:
    out = tmp_path / "secteurs.gpkg"
    result = run(with_orsay, "sectors", "generate", "--commune", ORSAY, "--streets", streets, "--sectors", "8",
                 "--out", str(out), "--save", "--label", "Proposition")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Version 1 enregistrée en brouillon" in result.stderr
    assert "sectors activate --commune 91471 --version 1" in result.stderr
    assert "8 secteurs sur" in result.stderr and "écart max/min" in result.stderr
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 8 and all("\tSecteur " in line and "places de référent" in line for line in lines)
    written = gpd.read_file(out)
    assert len(written) == 8 and written.crs.to_epsg() == 4326
    assert {"code", "nom", "referents", "poids", "ilots", "surface_m2"} <= set(written.columns)
    assert (written.geom_type == "Polygon").all()
    assert counts(with_orsay) == (1, 1, 8)
    engine = make_engine(with_orsay)
    with transaction(engine) as session:
        get_commune(session, ORSAY)  # binds Orsay (PostGIS: its sectors are hidden until then)
        sset = session.scalar(select(SectorSet))
        assert sset.status.value == "draft" and sset.label == "Proposition"
        assert "orsay_91471" in sset.source
        names = sorted(s.name for s in session.scalars(select(Sector)))
    engine.dispose()
    assert names == sorted(written["nom"])
    listing = run(with_orsay, "sectors", "list", "--commune", ORSAY)
    assert listing.exit_code == 0 and "Version 1\tbrouillon\t8 secteurs" in listing.stdout


def test_generate_without_out_or_save_only_shows(with_orsay: str, streets: str) -> None:
    result = run(with_orsay, "sectors", "generate", "--commune", ORSAY, "--streets", streets, "--sectors", "3")
    assert result.exit_code == 0, result.output
    assert len(result.stdout.strip().splitlines()) == 3
    assert counts(with_orsay) == (1, 0, 0)


def test_households_per_sector_with_ban_addresses(with_orsay: str, streets: str, tmp_path: Path) -> None:
    # 400 address points spread over Orsay's urban centre (a grid), in the BAN format.
    rows = []
    for i in range(20):
        for j in range(20):
            lon, lat = 2.170 + 0.0015 * i, 48.690 + 0.0009 * j
            rows.append(f"91471_x_{i}_{j};;{j};;Rue X;91400;91471;Orsay;;;0;0;{lon:.6f};{lat:.6f};entrée;;;;;;;vrai;")
    ban = tmp_path / "ban.csv"
    ban.write_text(BAN_HEADER + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    out = tmp_path / "s.geojson"
    result = run(with_orsay, "sectors", "generate", "--commune", ORSAY, "--streets", streets,
                 "--addresses", str(ban), "--households-per-sector", "60", "--out", str(out))  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "poids en adresses" in result.stderr
    written = gpd.read_file(out)
    total = written["poids"].sum()
    assert 0 < total <= 400 and len(written) == round(total / 60)


def _lambert_streets(tmp_path: Path) -> Path:
    # Lambert-93 metres in a GeoJSON without a crs member: declared WGS84 by the format.
    line = shapely.LineString([(640_000, 6_844_000), (640_300, 6_844_100)])
    path = tmp_path / "rues_l93.geojson"
    feature = {"type": "Feature", "properties": {"@id": "way/1", "highway": "residential"},
               "geometry": json.loads(shapely.to_geojson(line))}  # fmt: skip
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}), encoding="utf-8")
    return path


def _far_streets(tmp_path: Path) -> Path:
    line = shapely.LineString([(2.35, 48.83), (2.36, 48.84)])  # Paris, not Orsay
    path = tmp_path / "rues_paris.geojson"
    feature = {"type": "Feature", "properties": {"@id": "way/2", "highway": "residential", "name": "Rue de Paris"},
               "geometry": json.loads(shapely.to_geojson(line))}  # fmt: skip
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}), encoding="utf-8")
    return path


def test_bad_input_exits_2_in_french_and_stores_nothing(with_orsay: str, streets: str, tmp_path: Path) -> None:
    empty_ban = tmp_path / "ban_vide.csv"
    empty_ban.write_text(BAN_HEADER + "\n", encoding="utf-8")
    base = ["sectors", "generate", "--commune", ORSAY, "--save"]
    cases = {
        "commune non enregistrée": (
            ["sectors", "generate", "--commune", "91095", "--streets", streets, "--sectors", "4", "--save"],
            "La commune 91095 n'est pas enregistrée",
        ),
        "aucune rue dans la commune": (
            [*base, "--streets", str(_far_streets(tmp_path)), "--sectors", "4"],
            "Aucune rue du fichier « rues_paris.geojson » ne se trouve dans la commune",
        ),
        "systèmes de coordonnées": (
            [*base, "--streets", str(_lambert_streets(tmp_path)), "--sectors", "4"],
            "Lambert-93",
        ),
        "trop de secteurs": ([*base, "--streets", streets, "--sectors", "5000"], "demandez au plus"),
        "adresses vides": (
            [*base, "--streets", streets, "--addresses", str(empty_ban), "--sectors", "4"],
            "ne contient aucune adresse",
        ),
        "N et H": ([*base, "--streets", streets, "--sectors", "4", "--households-per-sector", "50"], "un des deux"),
        "H sans adresses": ([*base, "--streets", streets, "--households-per-sector", "50"], "--addresses"),
        "extension": ([*base, "--streets", streets, "--sectors", "4", "--out", str(tmp_path / "x.csv")], ".gpkg"),
        "fichier absent": ([*base, "--streets", str(tmp_path / "absent.osm.pbf"), "--sectors", "4"], "n'existe pas"),
    }
    for label, (args, message) in cases.items():
        result = run(with_orsay, *args)
        assert result.exit_code == 2, (label, result.output)
        assert result.stderr.splitlines()[-1].startswith("Erreur : ") or "Erreur : " in result.stderr, label
        assert message in result.stderr, (label, result.stderr)
        assert counts(with_orsay) == (1, 0, 0), label
    assert not (tmp_path / "x.csv").exists()
