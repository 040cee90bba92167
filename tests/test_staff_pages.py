"""The staff pages with AppTest: « Secteurs », « Carte de chaleur », « Statistiques », by role."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest
from test_app_pages import PAGES, TIMEOUT_S, _signed_in_as, _texts

from data.demo_accounts import DEMO_ACCOUNTS, DemoAccount
from services import Actor
from store.schema import Role


def account(role: Role, index: int = 0) -> DemoAccount:
    return [a for a in DEMO_ACCOUNTS if a.role == role][index]


ADMIN, AGENT = account(Role.MAIRIE_ADMIN), account(Role.MAIRIE_AGENT)
GENDARMERIE, RESIDENT = account(Role.GENDARMERIE), account(Role.RESIDENT)


@pytest.fixture
def fresh_db(demo_db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A copy of the demo database, for tests that change it (sectors edited, access closed)."""
    from services import reset_engine
    from settings import get_settings

    source = Path(demo_db_url.removeprefix("sqlite:///"))
    copy = tmp_path / "app.sqlite3"
    shutil.copy(source, copy)
    url = f"sqlite:///{copy}"
    monkeypatch.setenv("VOISINAGE_DATABASE_URL", url)
    monkeypatch.setenv("VOISINAGE_MAP_TILES", "none")
    get_settings.cache_clear()
    reset_engine()
    yield url
    get_settings.cache_clear()
    reset_engine()


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

    assert "Carte de chaleur" not in titles()  # closed by default
    gendarmerie.open_access(admin, None, reason="réunion trimestrielle")
    assert "Carte de chaleur" in titles()
    app = _page("carte_chaleur.py")
    assert not app.exception and not app.error, [e.value for e in app.error]
    gendarmerie.close_access(admin, None, reason="fin de la convention")
    assert "Carte de chaleur" not in titles()
    app.run()  # the page already open refuses at its next run
    assert any("pas accessible" in e.value for e in app.error)
    assert not any("carré(s)" in m.value for m in app.markdown)
