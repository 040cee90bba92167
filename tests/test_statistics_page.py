"""« Statistiques »: the alert categories beside the SSMSI indicators they relate to, by role (AppTest).

The demo commune (91999) with synthetic SSMSI figures for this year and the last; the demo's alerts of this
year: one « Véhicule suspect » and one « Démarchage frauduleux » published, one « Dégradation » pending.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from test_staff_pages import ADMIN, GENDARMERIE, RESIDENT, _page, _signed_in_as, fresh_db  # noqa: F401

from services import Actor

pytestmark = pytest.mark.usefixtures("fresh_db")  # a copy of the demo database per test

SECTION = "Les catégories d'alerte à côté des indicateurs SSMSI"


def _import_this_year(tmp_path: Path) -> int:
    from services.stats import import_ssmsi
    from tests.stats_support import write_departement_base, write_old_layout

    year = date.today().year
    communal, departmental = tmp_path / "communes.csv", tmp_path / "departements.csv"
    write_old_layout(communal, {"91999": (4_000, 1_800.0)}, range(year - 1, year + 1))
    write_departement_base(departmental, ["91"], range(year - 1, year + 1))
    import_ssmsi(Actor.operator(), communal)
    import_ssmsi(Actor.operator(), departmental)
    return year


def _beside(app) -> pd.DataFrame:
    tables = [d.value for d in app.dataframe if "Alertes Voisinage" in d.value.columns]
    assert len(tables) == 1, [list(d.value.columns) for d in app.dataframe]
    return tables[0].set_index("Indicateur SSMSI")


def _opened(monkeypatch, who, tmp_path):
    year = _import_this_year(tmp_path)
    _signed_in_as(monkeypatch, who.email, who.password)
    app = _page("statistiques.py")
    assert not app.exception, app.exception
    assert not app.error, [e.value for e in app.error]
    assert app.selectbox(key="stats-year").value == year
    assert f"{SECTION} en {year}" in [h.value for h in app.header]
    return app


def _charts(app) -> list[str]:
    return [str(c.proto) for c in app.get("vega_lite_chart")]


def _beside_chart(app) -> pd.DataFrame:
    """The rows drawn by the chart of the categories beside the indicators (its Arrow data)."""
    import pyarrow as pa

    chart = next(c for c in app.get("vega_lite_chart") if "Faits enregistr" in str(c.proto))
    return pa.ipc.open_stream(chart.proto.data.data).read_all().to_pandas()


def _drawn(rows: pd.DataFrame, indicator: str, series: str) -> list[int]:
    return rows.loc[(rows["Indicateur"] == indicator) & (rows["Série"] == series), "Nombre"].tolist()


def test_the_mairie_sees_the_alerts_beside_each_indicator(monkeypatch, tmp_path):
    app = _opened(monkeypatch, ADMIN, tmp_path)
    table = _beside(app)
    assert len(table) == 14  # every indicator of the year
    vehicles = table.loc["Vols de véhicules"]
    assert vehicles["Catégories d'alerte"] == "Véhicule suspect" and vehicles["Alertes Voisinage"] == "1"
    assert table.loc["Cambriolages de logement", "Alertes Voisinage"] == "0"
    assert table.loc["Usage de stupéfiants", "Alertes Voisinage"] == "—"  # no category relates to it
    assert table.loc["Cambriolages de logement", "Base du taux"] == "pour 1 000 logements"
    assert "Version publique" not in " ".join(c.value for c in app.caption)
    markdown = " ".join(m.value for m in app.markdown)
    assert "sans équivalent SSMSI" in markdown and "Comportement suspect" in markdown
    charts = _charts(app)
    assert len(charts) == 3  # the year's rates, the categories beside the indicators, the trend
    drawn = _beside_chart(app)
    assert _drawn(drawn, "Vols de véhicules", "Alertes Voisinage") == [1]
    assert _drawn(drawn, "Cambriolages de logement", "Faits enregistrés (SSMSI)") == [
        int(table.loc["Cambriolages de logement", "Commune (nombre)"])
    ]
    assert not _drawn(drawn, "Usage de stupéfiants", "Faits enregistrés (SSMSI)")  # nothing to set beside it


def test_the_gendarmerie_while_its_access_is_open(monkeypatch, tmp_path):
    from services import gendarmerie
    from services.auth import member_actor

    gendarme = member_actor(GENDARMERIE.email)
    gendarmerie.open_access(Actor(role=ADMIN.role, commune_id=gendarme.commune_id), None, reason="convention")
    app = _opened(monkeypatch, GENDARMERIE, tmp_path)
    assert _beside(app).loc["Vols de véhicules", "Alertes Voisinage"] == "1"


def test_residents_see_the_public_version_with_the_minimum_counts(monkeypatch, tmp_path):
    app = _opened(monkeypatch, RESIDENT, tmp_path)
    table = _beside(app)
    assert table.loc["Vols de véhicules", "Alertes Voisinage"] == "< 5"  # one alert: withheld
    assert table.loc["Cambriolages de logement", "Alertes Voisinage"] == "0"  # zero reveals no one
    assert any("inférieurs à 5 sont masqués" in c.value for c in app.caption)
    drawn = _beside_chart(app)
    assert not _drawn(drawn, "Vols de véhicules", "Alertes Voisinage")  # withheld: not drawn either
    assert _drawn(drawn, "Cambriolages de logement", "Alertes Voisinage") == [0]
