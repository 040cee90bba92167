"""The quarterly report's map shows the commune's streets (real OSM data of Orsay) and its sector names, and its
figures have charts: checked on the drawing objects before rendering and in the PDF's own text, on both backends."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import geopandas as gpd
import pytest
from alerts_support import register_gridded
from test_stats_report import _pdf_text

import services
from alerts import clear_caches
from community import Actor
from stats import render_html
from stats._report import ChartData, report_charts
from stats._report_render import chart_drawing, map_drawing
from store import transaction
from tests.stats_support import ESSONNE

STREETS = "osm/orsay_91471_highways_subset_2021-03-11.geojson"
ORSAY = "91471"


@pytest.fixture
def orsay(engine, shared_file):
    gdf = gpd.read_file(shared_file(ESSONNE))
    boundary = gdf.loc[gdf["code"] == ORSAY, "geometry"].iloc[0]
    clear_caches()  # per-process sector indexes are keyed by set id: another test's set 1 is not Orsay's
    with transaction(engine) as session:
        register_gridded(session, ORSAY, "Orsay", boundary)
    services.use_database(engine.url.render_as_string(hide_password=False))
    yield shared_file(STREETS)
    services.use_database(None)
    services.reset_engine()


def test_the_report_map_has_streets_sector_names_and_charts(orsay, tmp_path):
    from reportlab.graphics.charts.barcharts import HorizontalBarChart
    from reportlab.graphics.shapes import PolyLine, String

    from services.reports import commune_streets, quarterly
    from stats import quarterly_report_from_db

    streets = commune_streets(ORSAY, Path(orsay))
    assert streets is not None
    report = quarterly_report_from_db(services.engine(), ORSAY, "2026-Q3", role="mairie-admin", streets=streets)
    names = sorted(name for name, _x, _y in report.map.labels)
    assert names == sorted(name for name, _rings in report.map.sectors) and "Secteur A1" in names
    assert len(report.map.streets) > 300  # Orsay's streets, cut at the commune's limit
    minx, miny, maxx, maxy = report.map.bounds
    assert all(minx - 1 <= x <= maxx + 1 and miny - 1 <= y <= maxy + 1 for line in report.map.streets for x, y in line)
    drawing = map_drawing(report.map, 450, 300)
    assert sum(isinstance(c, PolyLine) for c in drawing.contents) == len(report.map.streets)
    assert sorted(c.text for c in drawing.contents if isinstance(c, String)) == names
    assert not any("rues ne sont pas tracées" in n for n in report.notes)

    out = quarterly(Actor.operator(), ORSAY, "2026-Q3", tmp_path / "rapport.pdf", streets_file=Path(orsay))
    text = _pdf_text(out.path)
    assert all(f"({name})" in text for name in names)  # the names drawn on the map
    page = render_html(report)
    assert page.count("<polyline") == len(report.map.streets) and ">Secteur A1</text>" in page

    chart = ChartData("Alertes publiées par catégorie", ("Vol", "Dégradation"), (12.0, 0.0), (False, True))
    drawn = chart_drawing(chart, 450)
    (bars,) = [c for c in drawn.contents if isinstance(c, HorizontalBarChart)]
    assert bars.data == [[0.0, 12.0]] and bars.barLabelArray == [["masqué", "12"]]


def test_charts_come_from_the_tables_as_the_reader_gets_them():
    import pandas as pd

    from stats import StatsTables

    tables = StatsTables(role="resident", min_count=5)
    tables.tables["alertes_par_categorie"] = pd.DataFrame({"categorie": ["vol", "dégradation"], "alertes": [12, "< 5"]})
    tables.tables["alertes_par_mois"] = pd.DataFrame({"mois": [], "alertes": []})
    tables.tables["alertes_par_secteur"] = pd.DataFrame(
        {"secteur": [f"S{k}" for k in range(50)], "alertes": list(range(50))}
    )
    by_category, by_sector = report_charts(tables)  # no chart for a table without rows
    assert by_category.labels == ("vol", "dégradation") and by_category.values == (12.0, 0.0)
    assert by_category.hidden == (False, True)  # hidden in the table, hidden in the chart
    assert len(by_sector.labels) == 40 and "S49" in by_sector.labels and "S0" not in by_sector.labels
    assert "40 premiers" in by_sector.title


def test_a_report_with_alerts_draws_its_charts_into_the_pdf(orsay, tmp_path):
    from alerts_support import who

    from alerts import AlertConfig, post_alert
    from community import Role, get_commune, register_member
    from sectors import active_set
    from services.reports import quarterly

    engine = services.engine()
    with transaction(engine) as s:
        commune = get_commune(s, ORSAY)
        spot = active_set(s, commune).sectors[4].geom.representative_point()
        register_member(
            s, Actor.operator(), commune, email="a@orsay.fr", name="A", role=Role.RESIDENT, lon=spot.x, lat=spot.y,
            channel="operator", verification_method="document",
        )  # fmt: skip
    for day in range(1, 8):
        post_alert(
            engine, who(engine, "a@orsay.fr"), category="vol", text="Vélo volé devant le portail cette nuit.",
            lon=spot.x, lat=spot.y, confirm_new=True, config=AlertConfig(rate_posts=1000),
            now=datetime(2026, 7, day, 10, tzinfo=UTC),
        )  # fmt: skip
    out = quarterly(Actor.operator(), ORSAY, "2026-Q3", tmp_path / "rapport.pdf", streets_file=Path(orsay))
    text = _pdf_text(out.path)
    assert "(Alertes publi\\351es par cat\\351gorie)" in text and "(Alertes publi\\351es par secteur)" in text
    assert "(vol)" in text and "(7)" in text  # the category's bar and its label


def test_the_gendarmerie_report_has_no_member_figures(orsay):
    from stats import quarterly_report_from_db, render_html
    from stats._roles import sees_members

    assert sees_members("mairie-agent") and not sees_members("gendarmerie")
    with transaction(services.engine()) as s:
        from community import get_commune, set_gendarmerie_access

        set_gendarmerie_access(s, Actor.operator(), get_commune(s, ORSAY), True)
    report = quarterly_report_from_db(services.engine(), ORSAY, "2026-Q3", role="gendarmerie")
    sectors = report.tables.tables["suivi_secteurs"]
    assert "membres_verifies" not in sectors and "referents" not in sectors and "alertes" in sectors
    assert "sans référent" not in " ".join(report.tables.tables["suivi_delais"]["mesure"])
    mairie = quarterly_report_from_db(services.engine(), ORSAY, "2026-Q3", role="mairie-agent")
    assert "membres_verifies" in mairie.tables.tables["suivi_secteurs"]
    assert "Membres vérifiés" not in render_html(report) and "Membres vérifiés" in render_html(mairie)
