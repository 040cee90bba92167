"""Exports (CSV, Excel) honouring the role, and the quarterly report (HTML, PDF), on both backends."""

from __future__ import annotations

import base64
import contextlib
import html
import re
import zlib
from datetime import UTC, datetime

import openpyxl
import pandas as pd
import pytest
from typer.testing import CliRunner

from cli import app
from data.synthetic_alerts import grid_sectors, quarter_bounds, synthetic_alerts, synthetic_members
from gis import InputError
from stats import (
    WITHHELD,
    alerts_frame,
    build_quarterly_report,
    build_tables,
    import_ssmsi,
    render_html,
    render_pdf,
    write_csv,
    write_excel,
)
from store import transaction
from tests.stats_support import ESSONNE, register_bouray, register_cessy


def _pdf_text(path) -> str:
    """The uncompressed content streams of a reportlab PDF (enough to find the strings it draws)."""
    raw = path.read_bytes()
    out = []
    for match in re.finditer(rb"(?<!end)stream\r?\n(.*?)\s*endstream", raw, flags=re.S):
        data = match.group(1).strip()
        # reportlab writes /ASCII85Decode /FlateDecode streams.
        with contextlib.suppress(ValueError, zlib.error):
            data = zlib.decompress(base64.a85decode(data.removesuffix(b"~>")))
        out.append(data.decode("latin-1"))
    return "\n".join(out)


CESSY = "ssmsi/ssmsi-communes_CODGEO_2026_excerpt_01071-cessy.csv"
BRIEF = "ssmsi/essonne_bouray_2024_from_project_brief.csv"


@pytest.fixture
def bouray(engine, shared_file):
    boundary = register_bouray(engine, shared_file(ESSONNE))
    with transaction(engine) as session:
        import_ssmsi(session, shared_file(BRIEF))
    sectors = grid_sectors(boundary, 3, 2, seed=1)
    sectors[0]["name"] = '=HYPERLINK("http://x")'  # a spreadsheet formula typed as a sector name
    sectors[1]["name"] = "<script>alert(1)</script> Les Prés"
    start, end = quarter_bounds(2026, 3)
    alerts = synthetic_alerts(1_200, boundary, start, end, sectors, seed=3)
    # Two alerts outside the quarter, which the report must leave out.
    alerts += [{**alerts[0], "id": 99_001, "created_at": datetime(2026, 6, 1, tzinfo=UTC)}]
    alerts += [{**alerts[1], "id": 99_002, "created_at": datetime(2026, 10, 2, tzinfo=UTC)}]
    alerts[5]["category"] = "<b>vol</b>"
    return {"alerts": alerts, "sectors": sectors, "members": synthetic_members(sectors, seed=2)}


def test_tables_by_role_and_exports(engine, bouray, tmp_path):
    with transaction(engine) as session:
        staff = build_tables(session, "91095", role="mairie-admin", min_count=5, year=2024, **bouray)
        resident = build_tables(session, "91095", role="resident", min_count=5, year=2024, **bouray)
    assert {"suivi_secteurs", "suivi_delais"} <= set(staff.tables)
    assert not {"suivi_secteurs", "suivi_delais"} & set(resident.tables)
    by_month_staff = staff.tables["alertes_par_categorie_et_mois"]
    small = by_month_staff[pd.to_numeric(by_month_staff["alertes"]) < 5]
    assert len(small) > 0  # the fixture does produce small counts
    res = resident.tables["alertes_par_categorie_et_mois"]
    assert (res.loc[small.index, "alertes"] == "< 5").all()
    assert not any(isinstance(v, int | float) and 0 < v < 5 for v in res["alertes"])
    ssmsi = staff.tables["indicateurs_ssmsi"]
    assert len(ssmsi) == 18 and ssmsi.iloc[0]["nombre"] == 73 and ssmsi.iloc[0]["departement_nombre"] == 68290

    paths = write_csv(resident, tmp_path / "csv")
    assert {p.name for p in paths} == {f"{n}.csv" for n in resident.tables}
    sectors_csv = (tmp_path / "csv" / "alertes_par_secteur.csv").read_text(encoding="utf-8-sig")
    assert "'=HYPERLINK" in sectors_csv and "\n=HYPERLINK" not in sectors_csv and ";=HYPERLINK" not in sectors_csv
    workbook = openpyxl.load_workbook(write_excel(staff, tmp_path / "stats.xlsx"))
    assert set(workbook.sheetnames) == set(staff.tables)
    names = [c.value for c in workbook["alertes_par_secteur"]["B"]]
    assert '\'=HYPERLINK("http://x")' in names


def test_withheld_in_exports(engine, shared_file, tmp_path):
    register_cessy(engine)
    with transaction(engine) as session:
        import_ssmsi(session, shared_file(CESSY))
        tables = build_tables(session, "01071", role="resident", min_count=5, year=2024)
    ssmsi = tables.tables["indicateurs_ssmsi"].set_index("indicateur")
    assert ssmsi.loc["Violences sexuelles", "nombre"] == WITHHELD
    assert ssmsi.loc["Violences sexuelles", "moyenne_departementale_des_communes_non_diffusees"] == pytest.approx(
        1.3785446
    )
    trend = tables.tables["tendance_ssmsi"]
    assert (trend[trend["indicateur"] == "Violences sexuelles"]["nombre"] == WITHHELD).all()
    write_excel(tables, tmp_path / "c.xlsx")
    sheet = openpyxl.load_workbook(tmp_path / "c.xlsx")["indicateurs_ssmsi"]
    assert WITHHELD in [c.value for c in sheet["D"]]


def test_quarterly_report(engine, bouray, tmp_path):
    alerts = alerts_frame(bouray["alerts"])
    start, end = quarter_bounds(2026, 3)
    in_quarter = alerts[(alerts["created_at"] >= start) & (alerts["created_at"] < end) & alerts["published"]]
    with transaction(engine) as session:
        staff = build_quarterly_report(session, "91095", "2026-Q3", role="mairie-agent", cell_m=200, **bouray)
        resident = build_quarterly_report(session, "91095", "2026-Q3", role="resident", cell_m=200, **bouray)
    assert staff.alerts_in_quarter == len(in_quarter)
    assert staff.heat.count.sum() == len(in_quarter)  # every published alert of the quarter is on the map
    assert resident.heat.count.min() >= 5 and resident.heat.count.sum() < staff.heat.count.sum()
    assert len(staff.map.cells) == len(staff.heat) and len(staff.map.sectors) == 6
    assert staff.ssmsi_views and staff.ssmsi_views[0].year == 2024  # latest SSMSI year before 2026

    page = render_html(staff)
    assert "<script>" not in page and html.escape("<script>alert(1)</script> Les Prés") in page
    assert "<b>vol</b>" not in page
    assert (
        "Rapport trimestriel — Bouray-sur-Juine" in page
        and "<svg" in page
        and page.count("<polygon") == len(staff.heat) + 6 + len(staff.map.boundary)
    )
    assert "Suivi du dispositif" in page and "Suivi du dispositif" not in render_html(resident)
    assert "<td>35,36 ‰</td>" in page and "<td>51,56 ‰</td>" in page  # Bouray beside Essonne
    pdf = render_pdf(staff, tmp_path / "r.pdf")
    assert pdf.read_bytes().startswith(b"%PDF") and pdf.stat().st_size > 5_000
    text = _pdf_text(pdf)
    assert "Rapport trimestriel" in text and "Cambriolages" in text and "ne pas diffuser" in text
    assert "(Crimes et d\\351lits)" in text  # WinAnsi octal escapes: accents kept
    assert text.count(" h\nB*\n") >= len(staff.heat)  # one filled and stroked polygon per map cell
    assert "page 2" in text


def test_report_needs_a_registered_commune_and_a_valid_quarter(engine):
    with transaction(engine) as session, pytest.raises(InputError, match="n'est pas enregistrée"):
        build_quarterly_report(session, "01071", "2026-Q3")
    register_cessy(engine)
    with transaction(engine) as session, pytest.raises(InputError, match="Trimestre"):
        build_quarterly_report(session, "01071", "2026-Q7")


def test_cli_report(sqlite_url, sqlite_engine, shared_file, tmp_path):
    runner = CliRunner()
    register_cessy(sqlite_engine)
    runner.invoke(app, ["--db", sqlite_url, "stats", "import", str(shared_file(CESSY))])
    out = tmp_path / "r.html"
    args = ["--db", sqlite_url, "report", "quarterly", "--commune", "01071", "--quarter", "2026-Q3"]
    result = runner.invoke(app, [*args, "--out", str(out)])
    assert result.exit_code == 0, result.output
    page = out.read_text(encoding="utf-8")
    assert "Aucune alerte enregistrée pour la commune sur ce trimestre" in page and "non diffusé" in page
    result = runner.invoke(app, [*args, "--out", str(tmp_path / "r.pdf")])
    assert result.exit_code == 0 and (tmp_path / "r.pdf").read_bytes().startswith(b"%PDF")
    # With alerts from a file instead of the database (--alerts overrides).
    boundary = register_cessy(sqlite_engine)
    start, end = quarter_bounds(2026, 3)
    records = synthetic_alerts(50, boundary, start, end, grid_sectors(boundary), seed=9)
    pd.DataFrame(records).to_csv(tmp_path / "alerts.csv", index=False)
    result = runner.invoke(app, [*args, "--out", str(out), "--alerts", str(tmp_path / "alerts.csv")])
    assert result.exit_code == 0, result.output
    assert f"({sum(r['status'] not in ('rejected', 'pending') for r in records)} alerte(s))" in result.stdout
    # Bad input: French message, exit 2, no file written.
    for extra, message in (
        (["--out", str(tmp_path / "r.docx")], ".pdf ou .html"),
        (["--out", str(tmp_path / "x.pdf"), "--role", "maire"], "--role"),
        (["--out", str(tmp_path / "x.pdf"), "--alerts", str(tmp_path / "nope.csv")], "introuvable"),
    ):
        result = runner.invoke(app, [*args, *extra])
        assert result.exit_code == 2 and message in result.stderr
    assert not (tmp_path / "x.pdf").exists()
    result = runner.invoke(
        app, ["--db", sqlite_url, "report", "quarterly", "--commune", "01071", "--quarter", "Q3", "--out", str(out)]
    )
    assert result.exit_code == 2 and "Trimestre" in result.stderr


def test_cli_export(sqlite_url, sqlite_engine, shared_file, tmp_path):
    runner = CliRunner()
    register_cessy(sqlite_engine)
    runner.invoke(app, ["--db", sqlite_url, "stats", "import", str(shared_file(CESSY))])
    base = ["--db", sqlite_url, "stats", "export", "--commune", "01071", "--year", "2025"]
    result = runner.invoke(app, [*base, "--out", str(tmp_path / "s.xlsx")])
    assert result.exit_code == 0, result.output
    assert "indicateurs_ssmsi" in openpyxl.load_workbook(tmp_path / "s.xlsx").sheetnames
    result = runner.invoke(app, [*base, "--out", str(tmp_path / "csv"), "--role", "mairie-agent"])
    assert result.exit_code == 0 and (tmp_path / "csv" / "suivi_delais.csv").is_file()
    # The gendarmerie gets statistics only while the mairie keeps its access open (the permission matrix).
    result = runner.invoke(app, [*base, "--out", str(tmp_path / "g"), "--role", "gendarmerie"])
    assert result.exit_code == 2 and "accès de la gendarmerie" in result.stderr and not (tmp_path / "g").exists()
