"""One limit and one character policy for every text field, the same on both backends (issue 10, item 8).

Before: NUL characters and over-long names crashed PostGIS with a traceback (exit 1, SQL printed) while SQLite
stored a 120,000-character commune name; an unclosed ring, a 20-digit BAN house number and a sector file with a
feature without geometry each ended in a traceback or were silently dropped.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
import shapely
from sqlalchemy import func, select
from typer.testing import CliRunner

from cli import app
from community import publish_charter
from gis import InputError
from sectors import load_boundary
from store import bind_commune, check_text, make_engine, transaction
from store._text import column_limit, is_multiline
from store.schema import Address, Base, Charter, Commune, Sector
from tests.helpers import BOURAY, BOURAY_OSM, ESSONNE_IGN, count_in_every_commune, write_geojson

runner = CliRunner()
BAN = "ban/ban_adresses_paris13_butte-aux-cailles.csv"


def run(db_url: str, *args: str):
    return runner.invoke(app, ["--db", db_url, *args])


def add_commune(db_url: str, name: str, boundary: Path):
    return run(db_url, "commune", "add", "--insee", BOURAY, "--name", name, "--boundary", str(boundary))


def count(db_url: str, model: type) -> int:
    """Rows of ``model`` stored: communes are public (read unbound), other rows are counted in every commune."""
    engine = make_engine(db_url)
    with transaction(engine) as session:
        if model is Commune:
            n = int(session.scalar(select(func.count()).select_from(model)) or 0)
        else:
            n = count_in_every_commune(session, model)
    engine.dispose()
    return n


def assert_refused(result, *words: str) -> None:
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("Erreur : "), result.stderr
    assert "Traceback" not in result.output and "SQL" not in result.output
    for word in words:
        assert word in result.stderr, result.stderr


@pytest.mark.parametrize(
    "name",
    ["Bouray\x00sur-Juine", "B" * 201, "B" * 120_000, "Bouray\x1b[31m", "Bouray\r\nFAUX\t1", "Bouray\u202eeniuJ"],
    ids=["nul", "201", "120000", "ansi", "crlf", "bidi"],
)
def test_a_bad_commune_name_is_refused_alike_on_both_backends(db_url: str, shared_file, name: str) -> None:
    result = run(
        db_url, "commune", "add", "--insee", BOURAY, "--name", name, "--boundary", str(shared_file(ESSONNE_IGN))
    )
    assert_refused(result, "« nom »")
    assert count(db_url, Commune) == 0


def test_a_name_at_the_limit_is_stored_whole(db_url: str, shared_file) -> None:
    name = "B" * 200
    result = run(
        db_url, "commune", "add", "--insee", BOURAY, "--name", name, "--boundary", str(shared_file(ESSONNE_IGN))
    )
    assert result.exit_code == 0, result.output
    engine = make_engine(db_url)
    with transaction(engine) as session:
        assert session.scalar(select(Commune.name)) == name
    engine.dispose()


@pytest.fixture
def with_commune(db_url: str, shared_file) -> str:
    result = run(
        db_url, "commune", "add", "--insee", BOURAY, "--name", "Bouray", "--boundary", str(shared_file(BOURAY_OSM))
    )
    assert result.exit_code == 0, result.output
    return db_url


def _two_sectors(shared_file) -> list[shapely.Geometry]:
    boundary = load_boundary(shared_file(BOURAY_OSM), BOURAY, max_mb=50)
    xmin, ymin, xmax, ymax = boundary.bounds
    mid = (xmin + xmax) / 2
    pad = 0.01
    left = shapely.box(xmin - pad, ymin - pad, mid, ymax + pad).intersection(boundary)
    right = shapely.box(mid, ymin - pad, xmax + pad, ymax + pad).intersection(boundary)
    return [left, right]


def test_sector_names_are_checked_not_cut(with_commune: str, shared_file, tmp_path: Path) -> None:
    """SQLite used to store a 300-character sector name cut to 200; control characters went through."""
    path = write_geojson(tmp_path / "s.geojson", _two_sectors(shared_file), [{"nom": "N" * 300}, {"nom": "Est\x1b[2J"}])
    result = run(with_commune, "sectors", "import", "--commune", BOURAY, str(path))
    assert_refused(result, "objet n°1", "trop long", "objet n°2", "U+001B")
    assert count(with_commune, Sector) == 0


def test_a_feature_without_geometry_is_reported(with_commune: str, shared_file, tmp_path: Path) -> None:
    path = write_geojson(tmp_path / "s.geojson", _two_sectors(shared_file), [{"nom": "Ouest"}, {"nom": "Est"}])
    doc = json.loads(path.read_text())
    doc["features"].append({"type": "Feature", "properties": {"nom": "Fantôme"}, "geometry": None})
    path.write_text(json.dumps(doc))
    result = run(with_commune, "sectors", "import", "--commune", BOURAY, str(path))
    assert_refused(result, "objet n°3 n'a pas de géométrie")
    assert count(with_commune, Sector) == 0


def test_an_unclosed_ring_is_reported_with_its_feature(db_url: str, tmp_path: Path) -> None:
    ring = [[2.29, 48.52], [2.30, 48.52], [2.30, 48.53]]
    doc = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": {"code": BOURAY}, "geometry": {"type": "Polygon", "coordinates": [ring]}}
        ],
    }
    path = tmp_path / "ouvert.geojson"
    path.write_text(json.dumps(doc))
    result = add_commune(db_url, "Bouray", path)
    assert_refused(result, "objet(s) n°1", "se referme")
    assert count(db_url, Commune) == 0


def _ban_with(shared_file, tmp_path: Path, column: str, value: str) -> Path:
    lines = shared_file(BAN).read_text(encoding="utf-8").splitlines()
    header = lines[0].split(";")
    row = lines[3].split(";")
    row[header.index(column)] = value
    path = tmp_path / "ban.csv"
    path.write_text("\n".join([lines[0], lines[1], ";".join(row)]) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("column", "value", "words"),
    [
        ("numero", "12345678901234567890", ("ligne 3", "numéro invalide")),
        ("numero", "-4", ("ligne 3", "numéro invalide")),
        ("nom_voie", "Rue " + "x" * 300, ("ligne 3", "« nom_voie » trop long")),
        ("nom_voie", "Rue\x00des Cinq Diamants", ("ligne 3", "caractère de contrôle")),
    ],
)
def test_bad_ban_rows_are_refused_and_nothing_imported(
    db_url: str, shared_file, tmp_path: Path, column, value, words
) -> None:
    result = run(db_url, "addresses", "import", str(_ban_with(shared_file, tmp_path, column, value)))
    assert_refused(result, *words)
    assert count(db_url, Address) == 0


def test_ban_limits_are_the_address_table_limits() -> None:
    from gis._ban import BAN_TEXT_LIMITS

    columns = {"id": "ban_id"}
    table = Address.__table__
    for field, limit in BAN_TEXT_LIMITS.items():
        assert column_limit(table.columns[columns.get(field, field)]) == limit


def test_a_ten_megabyte_charter_is_refused(engine, shared_file) -> None:
    from community import Actor
    from sectors import register_commune

    boundary = load_boundary(shared_file(BOURAY_OSM), BOURAY, max_mb=50)
    with transaction(engine) as session:
        commune_id = register_commune(session, BOURAY, "Bouray", boundary).id
    with pytest.raises(InputError) as caught, transaction(engine) as session:
        publish_charter(session, Actor.operator(), commune_id, "Charte. " * 1_300_000)
    assert caught.value.field == "text" and "trop long" in str(caught.value)
    with transaction(engine) as session:
        bind_commune(session, commune_id)  # PostGIS: unbound, no charter would be seen at all
        assert session.scalar(select(func.count()).select_from(Charter)) == 0


FORBIDDEN = ["\x00", "\x01", "\x1b", "\x7f", "\x85", "\u202e", "\u2066", "\u2028"]


def test_every_text_column_follows_the_policy() -> None:
    """For every text column of the schema: the limit is accepted, one more is refused, forbidden characters are
    refused (line breaks only in multi-line fields), and the error names the column."""
    rng = random.Random(7)
    checked = 0
    for table in Base.metadata.sorted_tables:
        for column in table.columns:
            limit = column_limit(column)
            if limit is None:
                continue
            multi = is_multiline(column)
            check_text("é" * limit, field=column.key, limit=limit, multiline=multi)
            with pytest.raises(InputError) as caught:
                check_text("é" * (limit + 1), field=column.key, limit=limit, multiline=multi)
            assert caught.value.field == column.key
            bad = rng.choice(FORBIDDEN)
            with pytest.raises(InputError):
                check_text(f"a{bad}b", field=column.key, limit=limit, multiline=multi)
            if multi:
                check_text("a\nb\tc\r\n", field=column.key, limit=limit, multiline=True)
            else:
                with pytest.raises(InputError):
                    check_text("a\nb", field=column.key, limit=limit, multiline=False)
            checked += 1
    assert checked > 50


def test_the_documented_limits_are_the_schema() -> None:
    import runpy

    from settings import PROJECT_ROOT

    render = runpy.run_path(str(PROJECT_ROOT / "scripts" / "gen_text_limits.py"))["render"]
    assert (PROJECT_ROOT / "docs" / "text-limits.md").read_text(encoding="utf-8") == render(), (
        "docs/text-limits.md is out of date: run python scripts/gen_text_limits.py"
    )
