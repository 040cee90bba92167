"""Services for communes, sectors, addresses and statistics, and the thin CLI over them.

Both backends for everything touching storage; the SSMSI figures of a commune that is not registered; the
brief's reference table readable as a trend; the CLI's outputs escaped; a bad setting in French.
"""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli import app
from community import Actor, Role
from services import ServiceError, communes, reset_engine, sectors, stats
from services._core import use_database
from tests.helpers import BOURAY, BOURAY_OSM, bouray_with_sectors

CESSY_SSMSI = "ssmsi/ssmsi-communes_CODGEO_2026_excerpt_01071-cessy.csv"
BRIEF_TABLE = "ssmsi/essonne_bouray_2024_from_project_brief.csv"
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def services_db(db_url: str) -> Iterator[str]:
    """Every service on the test's database (both backends)."""
    use_database(db_url)
    yield db_url
    use_database(None)
    reset_engine()


def operator() -> Actor:
    return Actor.operator(label="test")


def test_stats_show_and_trend_of_a_commune_that_is_not_registered(services_db: str, shared_file) -> None:
    stats.import_ssmsi(operator(), shared_file(CESSY_SSMSI))
    with pytest.raises(ServiceError) as refused:
        communes.get(operator(), "01071")
    assert refused.value.field == "commune"  # Cessy is not registered, its figures are readable all the same
    (shown,) = stats.show(operator(), "01071", 2024)
    assert "01071" in shown.title and "2024" in shown.title
    assert any(row[0].startswith("Cambriolages") for row in shown.rows)
    (trend,) = stats.trend(operator(), "01071")
    years = {row[1] for row in trend.rows}
    assert years == {"2023", "2024", "2025"}
    # A resident of another commune compares too: SSMSI figures are open data.
    resident = Actor(role=Role.RESIDENT, member_id=1, commune_id=999, label="membre 1")
    assert stats.trend(resident, "01071") == [trend]
    with pytest.raises(ServiceError) as nothing:
        stats.trend(operator(), "01072")
    assert nothing.value.field == "commune" and "importez" in nothing.value.message


def test_trend_after_importing_the_brief_reference_table(services_db: str, shared_file) -> None:
    stats.import_ssmsi(operator(), shared_file(BRIEF_TABLE), places={"bouray_sur_juine": BOURAY})
    (trend,) = stats.trend(operator(), BOURAY)
    assert "tableau de référence" in trend.title
    first = trend.rows[0]
    assert first[0] == "Crimes et délits (total)" and first[1] == "2024"
    assert first[2] == "35,36 ‰" and first[4] == "51,56 ‰"  # Bouray beside Essonne, as the brief gives them
    assert len(trend.rows) == 18


def test_cli_stats_trend_of_an_unregistered_commune(db_url: str, shared_file) -> None:
    runner = CliRunner()
    imported = runner.invoke(app, ["--db", db_url, "stats", "import", str(shared_file(CESSY_SSMSI))])
    assert imported.exit_code == 0, imported.output
    result = runner.invoke(app, ["--db", db_url, "stats", "trend", "--commune", "01071"])
    assert result.exit_code == 0, result.output
    assert "Cambriolages" in result.stdout and "2025" in result.stdout
    shown = runner.invoke(app, ["--db", db_url, "stats", "show", "--commune", "01071", "--year", "2023"])
    assert shown.exit_code == 0 and "département 01" in shown.stdout
    use_database(None)
    reset_engine()


def test_sector_services_on_both_backends(services_db: str, shared_file, tmp_path: Path) -> None:
    engine = __import__("services").engine()
    bouray_with_sectors(engine, shared_file(BOURAY_OSM), 2, 2)
    listing = sectors.list_sets(operator(), BOURAY)
    assert [s.status for s in listing.sets] == ["active"] and listing.shown.n_sectors == 4
    assert all(s.code.startswith("S") and len(s.code) == 4 for s in listing.shown.sectors)
    hit = sectors.locate_point(operator(), BOURAY, 2.2995, 48.5207)
    assert hit is not None and hit.name in {s.name for s in listing.shown.sectors}
    assert sectors.locate_point(operator(), BOURAY, 2.0, 48.0) is None
    points = tmp_path / "p.csv"
    points.write_text("lon,lat\n2.2995,48.5207\n2.0,48.0\n", encoding="utf-8")
    rows = sectors.locate_file(operator(), BOURAY, points)
    assert [r.sector for r in rows] == [hit.name, ""]
    exported = sectors.export(operator(), BOURAY, tmp_path / "s.geojson")
    assert exported.n_sectors == 4 and exported.path.exists()
    resident = Actor(role=Role.RESIDENT, member_id=1, commune_id=1, label="membre 1")
    with pytest.raises(ServiceError):
        sectors.activate(resident, BOURAY, 1)
    with pytest.raises(ServiceError) as unknown:
        sectors.list_sets(operator(), "99999")
    assert unknown.value.field == "commune"


def test_stats_audience_never_wider_than_the_matrix(services_db: str, shared_file, tmp_path: Path) -> None:
    engine = __import__("services").engine()
    bouray_with_sectors(engine, shared_file(BOURAY_OSM), 2, 2)
    commune = communes.get(operator(), BOURAY)
    resident = Actor(role=Role.RESIDENT, member_id=1, commune_id=commune.id, label="membre 1")
    with pytest.raises(ServiceError) as wider:
        stats.export(resident, BOURAY, tmp_path / "x", audience="mairie-agent")
    assert wider.value.field == "audience"
    written = stats.export(resident, BOURAY, tmp_path / "csv")
    assert written.tables >= 1
    outsider = Actor(role=Role.MAIRIE_ADMIN, member_id=2, commune_id=commune.id + 1, label="membre 2")
    with pytest.raises(ServiceError) as elsewhere:
        stats.export(outsider, BOURAY, tmp_path / "y")
    assert elsewhere.value.field == "commune"


def _rename(db_url: str, table: str, name: str) -> None:
    """Store a name as older data or another client could have (the text policy refuses it at the door)."""
    from sqlalchemy import text

    from sectors import get_commune
    from store import make_engine, transaction

    engine = make_engine(db_url)
    with transaction(engine) as session:
        get_commune(session, BOURAY)  # binds Bouray (PostGIS: its row and sectors are written once bound)
        session.execute(text(f"UPDATE {table} SET name = :name"), {"name": name})
    engine.dispose()


def test_cli_outputs_escape_control_characters(db_url: str, shared_file, tmp_path: Path) -> None:
    runner = CliRunner()
    added = runner.invoke(
        app,
        ["--db", db_url, "commune", "add", "--insee", BOURAY, "--name", "Bouray", "--boundary",
         str(shared_file(BOURAY_OSM))],
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    _rename(db_url, "communes", "Bouray\x1b[31m\r\nFAUX\t91000\t=1+1")
    listed = runner.invoke(app, ["--db", db_url, "commune", "list"])
    assert listed.exit_code == 0
    lines = listed.stdout.splitlines()
    assert len(lines) == 1  # the CR/LF in the name forged no line
    cells = lines[0].split("\t")
    assert len(cells) == 4 and cells[0] == BOURAY  # nor the tabs any cell
    assert cells[1] == "Bouray\\e[31m\\r\\nFAUX\\t91000\\t=1+1"
    assert "\x1b" not in listed.stdout and "\r" not in listed.stdout
    use_database(None)
    reset_engine()


def test_csv_output_neutralises_formulas(db_url: str, shared_file, tmp_path: Path) -> None:
    use_database(db_url)
    try:
        from services import engine

        bouray_with_sectors(engine(), shared_file(BOURAY_OSM), 1, 1)
        sectors_file = tmp_path / "s.geojson"
        sectors.export(operator(), BOURAY, sectors_file)
    finally:
        use_database(None)
        reset_engine()
    _rename(db_url, "sectors", "=HYPERLINK(1)\x1b")
    points = tmp_path / "p.csv"
    points.write_text("lon,lat\n-4.48,48.39\n2.2995,48.5207\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["--db", db_url, "sectors", "locate", "--commune", BOURAY, "--csv", str(points)])
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows[1] == ["-4.48", "48.39", ""]  # a negative number stays a number
    assert rows[2][2].startswith("'=HYPERLINK(1)\\e")
    use_database(None)
    reset_engine()


def test_a_bad_setting_is_a_french_message_and_exit_2(tmp_path: Path) -> None:
    env = {**os.environ, "VOISINAGE_MAX_UPLOAD_MB": "beaucoup", "VOISINAGE_GEOCODER": "google"}
    result = subprocess.run(
        [sys.executable, "-c", "from cli import main; main()", "commune", "list"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr and "validation error" not in result.stderr
    assert "VOISINAGE_MAX_UPLOAD_MB" in result.stderr and "« beaucoup »" in result.stderr
    assert "VOISINAGE_GEOCODER" in result.stderr and "local ou ban_api" in result.stderr
    assert result.stderr.startswith("Erreur : Réglage invalide")


def test_single_lookups_without_the_grid_agree_with_the_grid(sqlite_url: str, shared_file) -> None:
    import numpy as np
    import shapely

    from sectors import Locator
    from store import make_engine

    engine = make_engine(sqlite_url)
    _, gdf = bouray_with_sectors(engine, shared_file(BOURAY_OSM), 3, 3)
    loc = Locator(engine, BOURAY)
    loc.active_set_id()
    rng = np.random.default_rng(7)
    minx, miny, maxx, maxy = shapely.total_bounds(np.asarray(gdf.geometry))
    xs, ys = rng.uniform(minx, maxx, 300), rng.uniform(miny, maxy, 300)
    # Shared edges and vertices too: the tie-break (smallest id) must be the grid's.
    corners = shapely.get_coordinates(np.asarray(gdf.geometry))[::7]
    xs, ys = np.concatenate([xs, corners[:, 0]]), np.concatenate([ys, corners[:, 1]])
    direct = [loc._direct(float(x), float(y)) for x, y in zip(xs, ys, strict=True)]
    grid = loc._grid_locator().locate_many(xs, ys)
    assert direct == grid.tolist()
    assert sum(d >= 0 for d in direct) > 250  # the points do fall in sectors
    engine.dispose()


def test_command_line_mistakes_are_french(tmp_path: Path) -> None:
    def voisinage(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-c", "from cli import main; main()", "--db", f"sqlite:///{tmp_path / 'x.sqlite3'}",
             *args],
            cwd=ROOT, capture_output=True, text=True, timeout=120,
        )  # fmt: skip

    missing = voisinage("sectors", "locate")
    assert missing.returncode == 2 and "option manquante : --commune" in missing.stderr
    assert "Missing" not in missing.stderr and "Aide : voisinage sectors locate --help" in missing.stderr
    unknown = voisinage("sectors", "nope")
    assert unknown.returncode == 2 and "commande inconnue : « nope »" in unknown.stderr
    bad = voisinage("sectors", "list", "--commune", "91095", "--version", "abc")
    assert bad.returncode == 2 and "--version : un nombre entier est attendu" in bad.stderr


def _orsay(shared_file) -> None:
    from tests.helpers import ESSONNE_IGN
    from tests.test_cli_sectors_generate import ORSAY

    communes.add_commune(operator(), ORSAY, "Orsay", shared_file(ESSONNE_IGN))


def test_generate_draft_from_an_uploaded_street_file_with_progress(services_db: str, shared_file) -> None:
    """The page « Secteurs » generates from an upload: the draft is stored, progress is reported to the end."""
    from services.sectors import list_sets
    from services.staff import generate_draft
    from tests.test_cli_sectors_generate import ORSAY, ORSAY_STREETS

    _orsay(shared_file)
    steps: list[tuple[str, float]] = []
    upload = ("orsay.geojson", shared_file(ORSAY_STREETS).read_bytes())
    made = generate_draft(operator(), ORSAY, streets=upload, n_sectors=6, progress=lambda s, f: steps.append((s, f)))
    assert made.saved_version == 1 and len(made.sectors) == 6
    assert steps[-1] == ("fini", 1.0) and [f for _, f in steps] == sorted(f for _, f in steps)
    listing = list_sets(operator(), ORSAY, 1)
    assert listing.shown.status == "draft" and len(listing.shown.sectors) == 6
    with pytest.raises(ServiceError) as wrong:
        generate_draft(operator(), ORSAY, streets=("rues.txt", b"x"), n_sectors=6)
    assert wrong.value.field == "streets" and "osm" in wrong.value.message
    with pytest.raises(ServiceError) as broken:
        generate_draft(operator(), ORSAY, streets=("rues.geojson", b"{pas du json"), n_sectors=6)
    assert broken.value.message and "Traceback" not in broken.value.message
    assert len(list_sets(operator(), ORSAY).sets) == 1  # nothing half-stored
