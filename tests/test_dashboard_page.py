"""« Tableau de bord » with AppTest, for every role: the mairie reads it, residents and referents cannot reach
it, the gendarmerie only while its access is open (an open page refuses at its next run once closed)."""

from __future__ import annotations

import re

import pytest
from test_staff_pages import ADMIN, AGENT, GENDARMERIE, RESIDENT, _actor, _page, _signed_in_as, account
from test_staff_pages import fresh_db as fresh_db
from xss_corpus import PAYLOADS

from services import Actor
from store.schema import Role

REFERENT = account(Role.REFERENT)
TITLE = "Tableau de bord"


def _titles(role: Role, granted: frozenset[str] = frozenset()) -> list[str]:
    from app_pages._nav import page_list

    return [t for _f, t in page_list(Actor(role=role, member_id=1, commune_id=1), granted)]


def test_the_dashboard_in_the_navigation():
    stats = frozenset({"view_stats"})
    assert TITLE in _titles(Role.MAIRIE_ADMIN, stats | {"edit_sectors"}) and TITLE in _titles(Role.MAIRIE_AGENT, stats)
    assert TITLE in _titles(Role.GENDARMERIE, stats)
    assert TITLE not in _titles(Role.GENDARMERIE)  # access closed
    assert TITLE not in _titles(Role.RESIDENT, stats) and TITLE not in _titles(Role.REFERENT, stats)


@pytest.mark.parametrize("who", [ADMIN, AGENT])
def test_the_mairie_reads_its_dashboard(fresh_db, monkeypatch, who):
    _signed_in_as(monkeypatch, who.email, who.password)
    app = _page("tableau_de_bord.py")
    assert not app.exception, app.exception
    assert not app.error, [e.value for e in app.error]
    assert f"{TITLE} — Commune de démonstration" in [t.value for t in app.title]
    charts = app.get("vega_lite_chart")
    assert len(charts) == 1 and "cdn" not in str(charts[0].proto).lower()
    labels = [m.label for m in app.metric]
    assert "Modération (médiane)" in labels and "Retour de la gendarmerie" in labels
    (table,) = app.dataframe
    assert {"Membres vérifiés", "Référents", "Dernière alerte"} <= set(table.value.columns)
    assert len(table.value) == 9  # the demo's nine sectors
    legend = " ".join(str(h.proto) for h in app.get("html"))
    assert "Places de référent à pourvoir" in legend and "Aucune alerte depuis 90 jours" in legend


def test_the_report_is_prepared_for_download(fresh_db, monkeypatch):
    _signed_in_as(monkeypatch, ADMIN.email, ADMIN.password)
    app = _page("tableau_de_bord.py")
    app.button[0].click().run()  # the report form's submit
    assert not app.exception, app.exception
    assert not app.error, [e.value for e in app.error]
    buttons = app.get("download_button")
    assert len(buttons) == 1 and "rapport" in str(buttons[0].proto).lower()


@pytest.mark.parametrize("who", [RESIDENT, REFERENT])
def test_residents_and_referents_cannot_reach_it(fresh_db, monkeypatch, who):
    _signed_in_as(monkeypatch, who.email, who.password)
    app = _page("tableau_de_bord.py")
    assert not app.exception
    assert any("pas accessible" in e.value for e in app.error)
    assert not app.get("vega_lite_chart") and not app.metric and not app.dataframe


def test_the_gendarmerie_only_while_its_access_is_open(fresh_db, monkeypatch):
    from services import gendarmerie

    _signed_in_as(monkeypatch, GENDARMERIE.email, GENDARMERIE.password)
    admin = Actor(role=Role.MAIRIE_ADMIN, commune_id=_actor().commune_id)
    closed = _page("tableau_de_bord.py")
    assert not closed.exception and any("pas accessible" in e.value for e in closed.error)
    gendarmerie.open_access(admin, None, reason="réunion trimestrielle")
    app = _page("tableau_de_bord.py")
    assert not app.exception, app.exception
    assert not app.error, [e.value for e in app.error]
    (table,) = app.dataframe
    assert "Membres vérifiés" not in table.value.columns and "Référents" not in table.value.columns
    assert any("réservés à la mairie" in c.value for c in app.caption)
    gendarmerie.close_access(admin, None, reason="fin de la convention")
    app.run()  # the page already open refuses at its next run
    assert any("pas accessible" in e.value for e in app.error)
    assert not app.metric and not app.dataframe and not app.get("vega_lite_chart")


@pytest.mark.parametrize("payload", PAYLOADS)
def test_sector_names_never_reach_the_health_map_raw(payload):
    import shapely

    from layers import ShadedSector, base_map, localize, shaded_sectors_layer, tile_spec

    box = shapely.box(2.15, 48.68, 2.20, 48.71)
    folium_map = base_map(box.bounds, tile_spec("none"))
    sector = ShadedSector("A1", f"Secteur {payload}", box, "#16a34a", (f"Dernière alerte {payload}",))
    shaded_sectors_layer([sector]).add_to(folium_map)
    page = localize(folium_map).get_root().render()
    if set(payload) & set("<>`$\\{}\"'&"):
        assert payload not in page
    for literal in re.findall(r"`(.*?)`", page, flags=re.DOTALL):
        assert "${" not in literal
        assert not re.search(r"<(script|img|svg|a)\b", literal, flags=re.IGNORECASE)
