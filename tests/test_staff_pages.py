"""The staff pages with AppTest: « Secteurs », « Carte de chaleur », « Statistiques », by role."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest
from test_app_pages import PAGES, TIMEOUT_S, _texts
from xss_corpus import PAYLOADS

from data.demo_accounts import DEMO_ACCOUNTS, DemoAccount
from services import Actor
from store.schema import Role


def account(role: Role, index: int = 0) -> DemoAccount:
    return [a for a in DEMO_ACCOUNTS if a.role == role][index]


ADMIN, AGENT = account(Role.MAIRIE_ADMIN), account(Role.MAIRIE_AGENT)
GENDARMERIE, RESIDENT = account(Role.GENDARMERIE), account(Role.RESIDENT)


def copy_database(db_url: str, folder: Path) -> str:
    """A private copy of the SQLite database at ``db_url`` in ``folder``; its URL."""
    import sqlite3

    copy = folder / "app.sqlite3"
    with sqlite3.connect(db_url.removeprefix("sqlite:///")) as source, sqlite3.connect(copy) as target:
        source.backup(target)  # the WAL's committed pages included
    return f"sqlite:///{copy}"


@pytest.fixture
def fresh_db(demo_db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A copy of the demo database, for tests that change it (sectors edited, access closed)."""
    from services import reset_engine
    from settings import get_settings

    url = copy_database(demo_db_url, tmp_path)
    monkeypatch.setenv("VOISINAGE_DATABASE_URL", url)
    # Building the demo database ran the CLI in this process, whose --db stays the services' choice: override it.
    monkeypatch.setattr("services._core._chosen_url", [url])
    monkeypatch.setenv("VOISINAGE_MAP_TILES", "none")
    get_settings.cache_clear()
    reset_engine()
    yield url
    get_settings.cache_clear()
    reset_engine()


def _signed_in_as(monkeypatch: pytest.MonkeyPatch, email: str, _password: str) -> None:
    """The pages see the member of ``email`` as signed in (sign-in itself is tested in test_app_pages and the
    browser tests; a TOTP code, accepted once, would not survive the copied databases)."""
    from app_pages import _session
    from services.auth import member_actor

    actor = member_actor(email)
    monkeypatch.setattr(_session, "signed_in", lambda: actor)


def _page(name: str) -> AppTest:
    return AppTest.from_file(str(PAGES / name), default_timeout=TIMEOUT_S).run()


def _actor() -> Actor:
    from app_pages._session import signed_in

    actor = signed_in()
    assert actor is not None
    return actor


def test_staff_pages_in_the_navigation_by_role():
    from app_pages._nav import page_list
    from services import Actor

    def titles(role: Role, granted: frozenset[str] = frozenset()) -> list[str]:
        return [t for _f, t in page_list(Actor(role=role, member_id=1, commune_id=1), granted)]

    assert "Secteurs" in titles(Role.MAIRIE_ADMIN, frozenset({"view_stats", "edit_sectors"}))
    assert "Secteurs" in titles(Role.MAIRIE_AGENT, frozenset({"view_stats"}))
    assert "Secteurs" not in titles(Role.GENDARMERIE, frozenset({"view_stats"}))
    assert "Secteurs" not in titles(Role.RESIDENT) and "Secteurs" not in titles(Role.REFERENT)
    assert {"Carte de chaleur", "Statistiques"} <= set(titles(Role.MAIRIE_AGENT, frozenset({"view_stats"})))
    assert {"Carte de chaleur", "Statistiques"} <= set(titles(Role.GENDARMERIE, frozenset({"view_stats"})))
    closed = titles(Role.GENDARMERIE)
    assert "Carte de chaleur" not in closed and "Statistiques" not in closed
    resident = titles(Role.RESIDENT)
    assert "Statistiques" in resident and "Carte de chaleur" not in resident


def test_admin_splits_a_sector_then_activates_the_draft(fresh_db, monkeypatch):
    from services.sectors import locate_point
    from services.staff import sector_layout

    _signed_in_as(monkeypatch, ADMIN.email, ADMIN.password)
    app = _page("secteurs.py")
    assert not app.exception, app.exception
    assert "Secteurs — Commune de démonstration" in _texts(app)
    assert app.button(key="export") is not None
    actor = _actor()
    target = sector_layout(actor, "91999").sectors[0]
    minx, miny, maxx, maxy = target.geometry.bounds
    mid = (minx + maxx) / 2
    line = {"type": "LineString", "coordinates": [[mid, miny - 0.001], [mid, maxy + 0.001]]}
    app.selectbox(key="split-sector").set_value(target.code)
    app.text_area(key="split-line").set_value(json.dumps(line))
    app.text_input(key="split-name").set_value("Secteur <b>Est</b>")
    app.button[0].click().run()  # the split form's submit (the first form)
    assert not app.exception, app.exception
    assert not app.error, [e.value for e in app.error]
    assert any("Secteur coupé" in str(s.value) for s in app.success)
    assert "Brouillon (version 2)" in [h.value for h in app.subheader]
    assert "Différences avec le découpage actif" in [h.value for h in app.header]
    east = (maxx + mid) / 2, (miny + maxy) / 2
    before = locate_point(actor, "91999", *east)
    app.button(key="activate").click().run()
    assert not app.exception, app.exception
    after = locate_point(actor, "91999", *east)
    assert before is not None and after is not None
    assert after.code != before.code and after.name == "Secteur <b>Est</b>"


def test_two_merges_in_a_row_from_the_same_page(fresh_db, monkeypatch):
    """After a merge one of the two sectors is gone: the form's choices start again from the new draft (they sent
    the vanished sector again), and the « Fusionner » tab stays the one in use."""
    from gis import to_metric
    from sectors._edits import are_neighbours
    from services.staff import sector_layout

    _signed_in_as(monkeypatch, ADMIN.email, ADMIN.password)
    app = _page("secteurs.py")
    actor = _actor()
    for _ in range(2):
        layout = sector_layout(actor, "91999", None if _ == 0 else 2)
        shapes = {s.code: to_metric(s.geometry, 2154) for s in layout.sectors}
        first = layout.sectors[0].code
        second = next(c for c, g in shapes.items() if c != first and are_neighbours(shapes[first], g))
        [pick_first] = [b for b in app.selectbox if b.label == "Premier secteur"]
        [pick_second] = [b for b in app.selectbox if b.label == "Second secteur (voisin)"]
        assert pick_first.options and first in [o.split(" ")[0] for o in pick_first.options]
        pick_first.set_value(first)
        pick_second.set_value(second)
        app.button[1].click().run()  # the merge form's submit (the second form)
        assert not app.exception, app.exception
        assert not app.error, [e.value for e in app.error]
        assert any("Secteurs fusionnés" in str(s.value) for s in app.success)
    assert len(sector_layout(actor, "91999", 2).sectors) == len(sector_layout(actor, "91999").sectors) - 2


def test_a_bad_line_is_refused_in_french_beside_the_form(fresh_db, monkeypatch):
    _signed_in_as(monkeypatch, ADMIN.email, ADMIN.password)
    app = _page("secteurs.py")
    app.text_area(key="split-line").set_value("pas du geojson")
    app.button[0].click().run()
    assert not app.exception
    assert any("GeoJSON" in e.value for e in app.error)


def test_admin_exports_the_sectors(fresh_db, monkeypatch):
    _signed_in_as(monkeypatch, ADMIN.email, ADMIN.password)
    app = _page("secteurs.py")
    app.selectbox(key="export-format").set_value("shp")
    app.button(key="export").click().run()
    assert not app.exception, app.exception
    assert not app.error


def test_export_and_import_keep_codes_and_names(fresh_db, monkeypatch):
    import io
    import zipfile

    from services.staff import export_download, import_upload, sector_layout

    _signed_in_as(monkeypatch, ADMIN.email, ADMIN.password)
    actor = _actor()
    shp = export_download(actor, "91999", "shp")
    assert {Path(n).suffix for n in zipfile.ZipFile(io.BytesIO(shp.data)).namelist()} >= {".shp", ".dbf", ".prj"}
    gpkg = export_download(actor, "91999", "gpkg")
    imported = import_upload(actor, "91999", gpkg.file_name, gpkg.data)
    again = sector_layout(actor, "91999", imported.sector_set.version)
    assert [(s.code, s.name) for s in again.sectors] == [
        (s.code, s.name) for s in sector_layout(actor, "91999").sectors
    ]


def test_agent_sees_the_sectors_read_only(fresh_db, monkeypatch):
    _signed_in_as(monkeypatch, AGENT.email, AGENT.password)
    app = _page("secteurs.py")
    assert not app.exception, app.exception
    assert "Lecture seule" in " ".join(c.value for c in app.caption)
    assert not app.text_area and not app.get("file_uploader")


@pytest.mark.parametrize("who", [RESIDENT, GENDARMERIE])
def test_secteurs_refused_to_others(fresh_db, monkeypatch, who):
    _signed_in_as(monkeypatch, who.email, who.password)
    app = _page("secteurs.py")
    assert not app.exception
    assert any("pas accessible" in e.value for e in app.error)
    assert not app.button


def test_heat_map_for_the_mairie(fresh_db, monkeypatch):
    from services import stats

    _signed_in_as(monkeypatch, ADMIN.email, ADMIN.password)
    app = _page("carte_chaleur.py")
    assert not app.exception, app.exception
    assert not app.error, [e.value for e in app.error]
    assert "Carte de chaleur — Commune de démonstration" in _texts(app)
    assert [m.placeholder for m in app.multiselect] == ["Toutes les catégories"]  # not Streamlit's English one
    actor = _actor()
    every = stats.heat(actor)
    assert every.cells and every.min_count == 1  # staff: every cell
    shown = next(m.value for m in app.markdown if "carré(s)" in m.value)
    assert shown.startswith(f"{sum(c.count for c in stats.heat(actor, *_last_90_days()).cells)} alerte(s)")
    code = stats.alert_categories(actor)[0][0]
    one = stats.heat(actor, categories=(code,))
    assert sum(c.count for c in one.cells) <= sum(c.count for c in every.cells)
    assert all(-180 <= c.lon <= 180 and -90 <= c.lat <= 90 for c in every.cells)


def _last_90_days() -> tuple:
    from datetime import date, datetime, time, timedelta
    from zoneinfo import ZoneInfo

    paris, today = ZoneInfo("Europe/Paris"), date.today()
    start = datetime.combine(today - timedelta(days=90), time.min, tzinfo=paris)
    return start, datetime.combine(today + timedelta(days=1), time.min, tzinfo=paris)


def test_closing_the_gendarmerie_access_removes_its_pages(fresh_db, monkeypatch):
    from app_pages._nav import NAV_ACTIONS, page_list
    from services import gendarmerie
    from services.staff import granted

    _signed_in_as(monkeypatch, GENDARMERIE.email, GENDARMERIE.password)
    actor = _actor()
    admin = Actor(role=Role.MAIRIE_ADMIN, commune_id=actor.commune_id)

    def titles() -> list[str]:
        return [t for _f, t in page_list(actor, granted(actor, NAV_ACTIONS))]

    assert "Carte de chaleur" not in titles() and "Statistiques" not in titles()  # closed by default
    gendarmerie.open_access(admin, None, reason="réunion trimestrielle")
    assert "Carte de chaleur" in titles() and "Statistiques" in titles()
    app = _page("carte_chaleur.py")
    assert not app.exception and not app.error, [e.value for e in app.error]
    stats_app = _page("statistiques.py")
    assert not stats_app.exception and not stats_app.error, [e.value for e in stats_app.error]
    gendarmerie.close_access(admin, None, reason="fin de la convention")
    assert "Carte de chaleur" not in titles() and "Statistiques" not in titles()
    app.run()  # the pages already open refuse at their next run
    assert any("pas accessible" in e.value for e in app.error)
    assert not any("carré(s)" in m.value for m in app.markdown)
    stats_app.run()
    assert any("pas accessible" in e.value for e in stats_app.error) and not stats_app.selectbox


def import_ssmsi_for_the_demo(tmp_path: Path) -> None:
    """Synthetic SSMSI figures (2019-2023) for the demo commune and its département, imported."""
    from services import Actor as ServiceActor
    from services.stats import import_ssmsi
    from tests.stats_support import write_departement_base, write_old_layout

    communal, departmental = tmp_path / "communes.csv", tmp_path / "departements.csv"
    write_old_layout(communal, {"91999": (4_000, 1_800.0)}, range(2019, 2024))
    write_departement_base(departmental, ["91"], range(2019, 2024))
    import_ssmsi(ServiceActor.operator(), communal)
    import_ssmsi(ServiceActor.operator(), departmental)


@pytest.mark.parametrize("who", [RESIDENT, ADMIN])
def test_statistics_commune_beside_departement(fresh_db, monkeypatch, tmp_path, who):
    import_ssmsi_for_the_demo(tmp_path)
    _signed_in_as(monkeypatch, who.email, who.password)
    app = _page("statistiques.py")
    assert not app.exception, app.exception
    assert not app.error, [e.value for e in app.error]
    assert app.selectbox(key="stats-year").value == 2023
    charts = app.get("vega_lite_chart")
    assert len(charts) == 3  # the year's bars, the alert categories beside the indicators, the trend's lines
    assert all("cdn" not in str(c.proto).lower() for c in charts)
    assert app.dataframe  # the tables of show() and trend()
    app.selectbox(key="stats-year").set_value(2020).run()
    assert not app.exception and "2020" in " ".join(h.value for h in app.header)


def test_statistics_without_figures_says_so(fresh_db, monkeypatch):
    _signed_in_as(monkeypatch, AGENT.email, AGENT.password)
    app = _page("statistiques.py")
    assert not app.exception
    assert any("Aucun chiffre SSMSI" in i.value for i in app.info)
    app.text_input(key="stats-commune").set_value("9A").run()
    assert not app.exception and app.error  # a malformed code, in French


def test_a_drawn_overlap_is_listed_with_its_fix_and_blocks_activation(fresh_db, monkeypatch):
    from services.staff import sector_layout

    _signed_in_as(monkeypatch, ADMIN.email, ADMIN.password)
    app = _page("secteurs.py")
    first = sector_layout(_actor(), "91999").sectors[0].geometry
    x, y = first.centroid.x, first.centroid.y
    square = {
        "type": "Polygon",
        "coordinates": [[[x, y], [x + 0.004, y], [x + 0.004, y + 0.004], [x, y + 0.004], [x, y]]],
    }
    app.text_area(key="draw-geometry").set_value(json.dumps(square))
    app.text_input(key="draw-name").set_value("Secteur [lien](http://exemple.org)")
    app.button[3].click().run()  # the fourth form: « Ajouter le secteur »
    assert not app.exception, app.exception
    assert not app.error, [e.value for e in app.error]
    texts = " ".join(t.value for t in app.text)
    assert "Correction :" in texts and "Bloquant" in texts
    assert any("problèmes bloquants" in w.value for w in app.warning)
    with pytest.raises(KeyError):
        app.button(key="activate")
    assert "](http" not in " ".join(str(s.value) for s in app.success)


def test_residents_read_the_public_version_of_the_alert_figures(fresh_db, monkeypatch):
    from datetime import date

    from services.auth import member_actor
    from services.stats import platform_tables

    year = date.today().year
    staff = {t.title: t for t in platform_tables(member_actor(ADMIN.email), year)}
    public = {t.title: t for t in platform_tables(member_actor(RESIDENT.email), year)}
    title = "Alertes publiées par catégorie"
    assert staff[title].rows and len(public[title].rows) == len(staff[title].rows)
    counts = {row[0]: row[1] for row in staff[title].rows}
    shown = {row[0]: row[1] for row in public[title].rows}
    small = [c for c, n in counts.items() if n.isdigit() and 0 < int(n) < 5]
    assert small and all(not shown[c].isdigit() for c in small)  # hidden for residents
    _signed_in_as(monkeypatch, RESIDENT.email, RESIDENT.password)
    app = _page("statistiques.py")
    assert not app.exception and not app.error
    assert title in [h.value for h in app.subheader] and "Version publique" in " ".join(c.value for c in app.caption)


def test_admin_moves_a_block_to_the_neighbouring_sector(fresh_db, monkeypatch):
    from services.staff import sector_layout

    _signed_in_as(monkeypatch, ADMIN.email, ADMIN.password)
    app = _page("secteurs.py")
    sectors = sector_layout(_actor(), "91999").sectors
    first = sectors[0]
    neighbour = next(
        s for s in sectors[1:] if s.geometry.touches(first.geometry) or s.geometry.intersects(first.geometry)
    )
    shared = first.geometry.intersection(neighbour.geometry.buffer(0.0005))  # a strip of the first along the border
    assert shared.area > 0
    block = {"type": "Polygon", "coordinates": [list(map(list, shared.minimum_rotated_rectangle.exterior.coords))]}
    app.text_area(key="move-block").set_value(json.dumps(block))
    app.selectbox(key="move-to").set_value(neighbour.code)
    app.button[2].click().run()  # the third form: « Déplacer l'îlot »
    assert not app.exception, app.exception
    assert not app.error, [e.value for e in app.error]
    after = {s.code: s.geometry for s in sector_layout(_actor(), "91999", 2).sectors}
    assert after[neighbour.code].area > neighbour.geometry.area
    assert after[first.code].area < first.geometry.area


def _problem_map(text: str) -> str:
    import shapely
    from folium.plugins import Draw

    from layers import base_map, localize, problems_layer, tile_spec

    box = shapely.box(2.15, 48.68, 2.20, 48.71)
    folium_map = base_map(box.bounds, tile_spec("none"))
    problems_layer([(text, shapely.geometry.mapping(box))]).add_to(folium_map)
    Draw(export=False).add_to(folium_map)
    return localize(folium_map).get_root().render()


@pytest.mark.parametrize("payload", PAYLOADS)
def test_problem_labels_never_reach_the_map_raw(payload):
    page = _problem_map(f"Chevauchement ({payload})")
    if set(payload) & set("<>`$\\{}\"'&"):
        assert payload not in page
    for literal in re.findall(r"`(.*?)`", page, flags=re.DOTALL):
        assert "${" not in literal
        assert not re.search(r"<(script|img|svg|a)\b", literal, flags=re.IGNORECASE)


def test_the_editor_map_loads_nothing_from_elsewhere():
    from layers import ASSET_ROUTE

    page = _problem_map("Trou")
    assert re.findall(r"https?://[^\s\"'`)]+", page) == []
    assert f"{ASSET_ROUTE}/leaflet-draw/leaflet.draw.js" in page


def test_generation_from_the_page_reports_in_french_and_stores_nothing(fresh_db, monkeypatch, shared_file):
    """The demo commune is synthetic: Orsay's streets do not cut it. The page says so beside the form."""
    from services.sectors import list_sets
    from settings import get_settings

    monkeypatch.setenv(
        "VOISINAGE_MAP_STREETS_FILE", str(shared_file("osm/orsay_91471_highways_subset_2021-03-11.geojson"))
    )
    get_settings.cache_clear()
    _signed_in_as(monkeypatch, ADMIN.email, ADMIN.password)
    app = _page("secteurs.py")
    assert not app.exception, app.exception  # a streets file of another place: no background, no failure
    assert "Générer un brouillon depuis les rues" in [h.value for h in app.header], [e.value for e in app.error]
    before = len(list_sets(_actor(), "91999").sets)
    app.number_input(key="generate-n").set_value(4)
    submit = next(b for b in app.button if b.label == "Générer le brouillon")
    submit.click().run()
    assert not app.exception, app.exception
    assert any("Aucune rue du fichier" in e.value for e in app.error)
    assert len(list_sets(_actor(), "91999").sets) == before
    # Asking for a file without giving one is refused before any work.
    app.radio(key="generate-source").set_value("Fichier téléversé")
    next(b for b in app.button if b.label == "Générer le brouillon").click().run()
    assert any("Choisissez le fichier des rues" in e.value for e in app.error)


def test_admin_moves_the_vertices_of_a_sector(fresh_db, monkeypatch):
    """« Sommets »: the chosen sector's outline fills the form (the map's edit tool fills it the same way);
    the changed outline goes to the draft."""
    import shapely
    from shapely import affinity

    from services.staff import sector_layout

    _signed_in_as(monkeypatch, ADMIN.email, ADMIN.password)
    app = _page("secteurs.py")
    target = sector_layout(_actor(), "91999").sectors[0]
    app.selectbox(key="reshape-sector").set_value(target.code).run()
    assert not app.exception, app.exception
    prefilled = shapely.geometry.shape(json.loads(app.text_area(key="reshape-geometry").value))
    assert prefilled.equals(target.geometry)  # the one piece of the stored multipolygon
    smaller = affinity.scale(target.geometry, 0.9, 0.9)
    app.text_area(key="reshape-geometry").set_value(json.dumps(shapely.geometry.mapping(smaller)))
    next(b for b in app.button if b.label == "Enregistrer le contour").click().run()
    assert not app.exception, app.exception
    assert any(f"Contour de {target.code} modifié" in str(s.value) for s in app.success), [e.value for e in app.error]
    draft = sector_layout(_actor(), "91999", 2).sectors
    reshaped = next(s for s in draft if s.code == target.code)
    assert abs(reshaped.geometry.area - smaller.area) < 1e-9
