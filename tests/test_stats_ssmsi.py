"""SSMSI import (every layout), indicators of a commune beside its département, on both backends."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from cli import app
from gis import InputError
from stats import (
    WITHHELD,
    commune_trend,
    commune_views,
    detect_layout,
    expected_rate,
    figure_count,
    import_ssmsi,
    line_cells,
    read_ssmsi,
)
from store import transaction
from store.schema import SsmsiFigure
from tests.stats_support import (
    ESSONNE,
    register_bouray,
    register_cessy,
    write_departement_base,
    write_old_layout,
)

CESSY = "ssmsi/ssmsi-communes_CODGEO_2026_excerpt_01071-cessy.csv"
BRIEF = "ssmsi/essonne_bouray_2024_from_project_brief.csv"


def _read(path: Path) -> pd.DataFrame:
    _layout, chunks = read_ssmsi(path)
    return pd.concat(list(chunks), ignore_index=True)


def _snapshot(engine) -> list[tuple]:
    with transaction(engine) as session:
        rows = session.scalars(select(SsmsiFigure).order_by(SsmsiFigure.code, SsmsiFigure.year, SsmsiFigure.indicator))
        return [(r.code, r.year, r.indicator, r.published, r.count, r.rate, r.withheld_avg_rate) for r in rows]


def _assert_rates_consistent(published: pd.DataFrame) -> None:
    expected = expected_rate(published).to_numpy(dtype=float)
    base = np.where(published["rate_base"] == "logements", published["housing"], published["population"])
    tolerance = expected * 0.5 / base + 5e-7
    assert np.all(np.abs(published["rate"].to_numpy(dtype=float) - expected) <= tolerance)


# ---------------------------------------------------------------- real files, pure reading
def test_real_excerpt_rates_match_counts(shared_file):
    path = shared_file(CESSY)
    assert detect_layout(path).kind == "communes"
    assert detect_layout(path).edition == 2026
    frame = _read(path)
    assert len(frame) == 45
    assert sorted(frame["year"].unique()) == [2023, 2024, 2025]
    published = frame[frame["published"]]
    assert len(published) == 28
    # Every published row: rate = count x 1000 / population (housing units for burglaries), within rounding
    # (of the rate to 7 decimals, and of the base: INSEE's housing count is fractional, printed as an integer).
    _assert_rates_consistent(published)
    burglary = published[published["indicator"] == "cambriolages_logement"]
    assert (burglary["rate_base"] == "logements").all() and len(burglary) == 3
    # The population would give a different rate for burglaries: the housing base really matters.
    assert not np.allclose(burglary["rate"], burglary["count"] * 1000 / burglary["population"])


def test_real_excerpt_withheld_rows_stay_withheld(shared_file):
    frame = _read(shared_file(CESSY))
    withheld = frame[~frame["published"]]
    assert len(withheld) == 17
    assert withheld["count"].isna().all() and withheld["rate"].isna().all()
    assert withheld["withheld_avg_rate"].notna().all()
    assert frame[frame["published"]]["withheld_avg_rate"].isna().all()


# ---------------------------------------------------------------- storage, both backends
def test_import_is_idempotent_and_keeps_withheld(engine, shared_file):
    path = shared_file(CESSY)
    with transaction(engine) as session:
        summary = import_ssmsi(session, path)
    assert summary.rows == 45 and summary.withheld == 17 and summary.years == {2023, 2024, 2025}
    first = _snapshot(engine)
    with transaction(engine) as session:
        import_ssmsi(session, path)
        assert figure_count(session) == 45
    assert _snapshot(engine) == first
    withheld = [row for row in first if not row[3]]
    assert len(withheld) == 17
    assert all(row[4] is None and row[5] is None and row[6] is not None for row in withheld)


def test_commune_view_shows_withheld_as_withheld(engine, shared_file):
    register_cessy(engine)
    with transaction(engine) as session:
        import_ssmsi(session, shared_file(CESSY))
        (view,) = commune_views(session, "01071", 2024)
    assert view.departement == "01" and view.source == "ssmsi"
    by_key = {line.indicator: line for line in view.lines}
    assert len(by_key) == 15
    burglary = by_key["cambriolages_logement"]
    assert burglary.count == 27 and burglary.rate == pytest.approx(10.5834531)
    assert line_cells(burglary)[1:4] == ["27", "10,58 ‰", "pour 1 000 logements"]
    sexual = by_key["violences_sexuelles"]
    assert sexual.count is None and sexual.rate is None
    cells = line_cells(sexual)
    assert cells[1] == cells[2] == WITHHELD
    assert "moyenne départementale des communes non diffusées : 1,38 ‰" in cells[5]
    # No département base imported: the département column says so rather than inventing a figure.
    assert all(line.dep_rate is None for line in view.lines)


def test_brief_table_in_commune_beside_departement_view(engine, shared_file):
    register_bouray(engine, shared_file(ESSONNE))
    path = shared_file(BRIEF)
    assert detect_layout(path).kind == "reference"
    with transaction(engine) as session:
        import_ssmsi(session, path)
        import_ssmsi(session, path)  # idempotent too
        assert figure_count(session) == 36
        (view,) = commune_views(session, "91095", 2024)
    with path.open(encoding="utf-8") as handle:
        truth = list(csv.DictReader(handle, delimiter=";"))
    assert view.source == "reference" and view.departement == "91"
    assert [line.label for line in view.lines] == [row["indicateur"] for row in truth]

    def num(text: str) -> float:
        return float(text.replace(",", "."))

    for line, row in zip(view.lines, truth, strict=True):
        assert line.count == int(row["bouray_sur_juine_2024_nombre"])
        assert line.rate == pytest.approx(num(row["bouray_sur_juine_2024_taux_pour_mille"]))
        assert line.dep_count == int(row["essonne_2024_nombre"])
        assert line.dep_rate == pytest.approx(num(row["essonne_2024_taux_pour_mille"]))
        cells = line_cells(line)
        assert cells[1] == row["bouray_sur_juine_2024_nombre"]
        assert cells[2] == f"{num(row['bouray_sur_juine_2024_taux_pour_mille']):.2f} ‰".replace(".", ",")
        assert cells[4] == f"{num(row['essonne_2024_taux_pour_mille']):.2f} ‰".replace(".", ",")


def test_old_layout_and_departement_base(engine, tmp_path, shared_file):
    register_bouray(engine, shared_file(ESSONNE))
    old = tmp_path / "donnee-comm-2024.csv"
    dep = tmp_path / "donnee-dep-2024.csv"
    truth = write_old_layout(old, {"91095": (2100, 880.5), "91330": (5500, 2300.0)}, range(2016, 2024))
    dep_truth = write_departement_base(dep, ["91", "01", "2A"], range(2016, 2025))
    assert detect_layout(old).kind == "communes_2024" and detect_layout(old).edition == 2024
    assert detect_layout(dep).kind == "departements"
    frame = _read(old)
    assert sorted(frame["year"].unique()) == list(range(2016, 2024))  # two-digit years widened
    pub = frame[frame["published"]]
    _assert_rates_consistent(pub)
    assert frame["count"].isna().sum() == sum(not t["published"] for t in truth)
    with transaction(engine) as session:
        s1 = import_ssmsi(session, old)
        s2 = import_ssmsi(session, dep)
        assert s1.rows == len(truth) and s2.rows == len(dep_truth)
        assert s2.codes == {"91", "01", "2A"}
        (view,) = commune_views(session, "91095", 2019)
        trend = commune_trend(session, "91095")
    dep_2019 = {t["label"]: t for t in dep_truth if t["code"] == "91" and t["year"] == 2019}
    burglary = next(line for line in view.lines if line.indicator == "cambriolages_logement")
    assert burglary.dep_rate == pytest.approx(dep_2019["Cambriolages de logement"]["rate"], abs=1e-6)
    # "Vols de véhicules" (old) and "Vols de véhicule" (département base) are the same indicator.
    vehicles = next(line for line in view.lines if line.indicator == "vols_de_vehicules")
    assert vehicles.dep_count == dep_2019["Vols de véhicule"]["count"]
    t = trend[trend["indicator"] == "cambriolages_logement"]
    assert list(t["year"]) == list(range(2016, 2024))
    rates = t["rate"].to_numpy(dtype=float)
    expected_change = rates[1:] - rates[:-1]
    np.testing.assert_allclose(t["rate_change"].to_numpy(dtype=float)[1:], expected_change, equal_nan=True)


def test_older_edition_never_overwrites_newer(engine, tmp_path, shared_file):
    current = shared_file(CESSY)
    old = tmp_path / "old.csv"
    # An older edition giving other figures for 2023, the year both editions cover.
    write_old_layout(old, {"01071": (5832, 2551.0)}, range(2023, 2024), seed=3)
    with transaction(engine) as session:
        import_ssmsi(session, current)
    before = _snapshot(engine)
    with transaction(engine) as session:
        import_ssmsi(session, old)
    after = {(r[0], r[1], r[2]): r for r in _snapshot(engine)}
    for row in before:
        assert after[(row[0], row[1], row[2])] == row


def test_only_codes_filter(engine, tmp_path):
    dep = tmp_path / "dep.csv"
    write_departement_base(dep, ["91", "01", "2A"], range(2020, 2022))
    with transaction(engine) as session:
        summary = import_ssmsi(session, dep, only_codes=["91"])
        assert summary.codes == {"91"} and figure_count(session) == 36


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("a;b;c\n1;2;3\n", "Format de fichier non reconnu"),
        ("", "vide"),
    ],
)
def test_unknown_layout_refused(tmp_path, content, message):
    path = tmp_path / "f.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError, match=message):
        detect_layout(path)


def test_bad_value_stores_nothing(engine, tmp_path, shared_file):
    text = shared_file(CESSY).read_text(encoding="utf-8").splitlines()
    assert '"38";' in text[30]
    text[30] = text[30].replace('"38";', '"trente-huit";', 1)
    bad = tmp_path / "bad.csv"
    bad.write_text("\n".join(text) + "\n", encoding="utf-8")
    with pytest.raises(InputError, match="ligne 31 : « trente-huit » n'est pas un nombre"), transaction(engine) as s:
        import_ssmsi(s, bad)
    with transaction(engine) as session:
        assert figure_count(session) == 0


# ---------------------------------------------------------------- CLI
def test_cli_import_and_show(sqlite_url, sqlite_engine, shared_file):
    runner = CliRunner()
    register_cessy(sqlite_engine)
    result = runner.invoke(app, ["--db", sqlite_url, "stats", "import", str(shared_file(CESSY))])
    assert result.exit_code == 0, result.output
    assert "45 ligne(s) importée(s)" in result.stdout
    result = runner.invoke(app, ["--db", sqlite_url, "stats", "show", "--commune", "01071", "--year", "2024"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[1].split()[:2] == ["Indicateur", "Nombre"]
    sexual = next(line for line in lines if line.startswith("Violences sexuelles"))
    assert sexual.split("  ")[0] == "Violences sexuelles" and sexual.count(f"{WITHHELD}  ") == 2
    assert "moyenne départementale des communes non diffusées : 1,38 ‰" in sexual
    burglary = next(line for line in lines if line.startswith("Cambriolages de logement"))
    assert "27" in burglary and "10,58 ‰" in burglary


def test_cli_bad_input(sqlite_url, sqlite_engine, tmp_path, shared_file):
    runner = CliRunner()
    bad = tmp_path / "x.csv"
    bad.write_text("foo;bar\n1;2\n", encoding="utf-8")
    result = runner.invoke(app, ["--db", sqlite_url, "stats", "import", str(bad)])
    assert result.exit_code == 2 and "Erreur : Format de fichier non reconnu" in result.stderr
    result = runner.invoke(app, ["--db", sqlite_url, "stats", "show", "--commune", "01071", "--year", "2024"])
    assert result.exit_code == 2 and "01071" in result.stderr
    register_cessy(sqlite_engine)
    runner.invoke(app, ["--db", sqlite_url, "stats", "import", str(shared_file(CESSY))])
    result = runner.invoke(app, ["--db", sqlite_url, "stats", "show", "--commune", "01071", "--year", "2019"])
    assert result.exit_code == 2 and "années disponibles : 2023, 2024, 2025" in result.stderr
    with transaction(sqlite_engine) as session:
        assert figure_count(session) == 45


def test_cli_trend(sqlite_url, sqlite_engine, shared_file):
    runner = CliRunner()
    register_cessy(sqlite_engine)
    result = runner.invoke(app, ["--db", sqlite_url, "stats", "trend", "--commune", "01071"])
    assert result.exit_code == 2 and "importez d'abord" in result.stderr
    runner.invoke(app, ["--db", sqlite_url, "stats", "import", str(shared_file(CESSY))])
    result = runner.invoke(app, ["--db", sqlite_url, "stats", "trend", "--commune", "01071"])
    assert result.exit_code == 0, result.output
    burglary = [line.split("  ") for line in result.stdout.splitlines() if line.startswith("Cambriolages")]
    cells = [[c.strip() for c in parts if c.strip()] for parts in burglary]
    assert [c[1:3] for c in cells] == [["2023", "3,14 ‰"], ["2024", "10,58 ‰"], ["2025", "4,70 ‰"]]
    assert cells[1][3] == "7,45"  # 10.58 - 3.14
    vehicles = [line for line in result.stdout.splitlines() if line.startswith("Vols de véhicules")]
    assert WITHHELD in vehicles[1] and WITHHELD in vehicles[2]


def test_cli_reference_table_needs_its_places(sqlite_url, sqlite_engine, shared_file):
    runner = CliRunner()
    brief = str(shared_file(BRIEF))
    result = runner.invoke(app, ["--db", sqlite_url, "stats", "import", brief])
    assert result.exit_code == 2 and "bouray_sur_juine" in result.stderr and "--lieu" in result.stderr
    with transaction(sqlite_engine) as session:
        assert figure_count(session) == 0
    # Naming the place is enough (the commune need not be registered to store its figures).
    result = runner.invoke(app, ["--db", sqlite_url, "stats", "import", brief, "--lieu", "bouray_sur_juine=91095"])
    assert result.exit_code == 0, result.output
    with transaction(sqlite_engine) as session:
        assert figure_count(session) == 36


def test_windows_1252_file(engine, tmp_path, shared_file):
    text = shared_file(CESSY).read_text(encoding="utf-8")
    path = tmp_path / "cp1252.csv"
    path.write_bytes(text.encode("cp1252"))
    assert detect_layout(path).encoding == "cp1252"
    with transaction(engine) as session:
        assert import_ssmsi(session, path).rows == 45
    frame = _read(path)
    assert "Destructions et dégradations volontaires" in set(frame["label"])
