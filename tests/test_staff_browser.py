"""The staff pages in a real browser (Debian's chromium, Playwright) against ``voisinage serve``.

The mairie's admin sees the sector editor (map painted, drawing toolbar) and the statistics charts; the
gendarmerie sees the heat map while its access is open and loses it when the mairie closes it; not one
request leaves 127.0.0.1.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from typing import Any

import pytest
from app_support import build_database, running_server
from test_staff_pages import ADMIN, GENDARMERIE, import_ssmsi_for_the_demo

from data.demo_accounts import DemoAccount, current_code

WAIT_MS = 90_000  # generous: the machine is shared


@pytest.fixture(scope="module")
def staff_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A demo database of its own (no sign-in attempt or used code of other tests), with SSMSI figures and the
    gendarmerie's access open."""
    from services import Actor, gendarmerie, reset_engine
    from services._core import _chosen_url
    from store.schema import Role

    folder = tmp_path_factory.mktemp("staff")
    previous = _chosen_url[0]
    url = build_database(folder)  # runs the CLI in this process: sets the services' database
    _chosen_url[0] = url
    try:
        import_ssmsi_for_the_demo(folder)
        gendarmerie.open_access(Actor(role=Role.MAIRIE_ADMIN, commune_id=1), "91999", reason="essai")
        yield url
    finally:
        _chosen_url[0] = previous
        reset_engine()


@pytest.fixture(scope="module")
def server(staff_db: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with running_server(staff_db, tmp_path_factory.mktemp("serve") / "serve.log") as base:
        yield base


def _staff_page(browser: Any, base: str, account: DemoAccount) -> tuple[Any, Any, list[str]]:
    """A signed-in page of ``account`` (password and TOTP code), and the requests that left 127.0.0.1."""
    context = browser.new_context()
    outside: list[str] = []
    local = re.compile(r"^(https?|wss?)://127\.0\.0\.1:\d+/|^(data|blob|about):")
    context.on("request", lambda r: None if local.match(r.url) else outside.append(r.url))
    page = context.new_page()
    for _attempt in range(2):
        page.goto(f"{base}/auth/login")
        page.fill("#email", account.email)
        page.fill("#password", account.password)
        page.fill("#totp", current_code(account))
        with page.expect_navigation(timeout=WAIT_MS):
            page.click("button[type=submit]")
        if "/auth/" not in page.url:
            break
        # A code is accepted once: the copied database may hold this window's code as used by an earlier test.
        time.sleep(31 - time.time() % 30)
    page.wait_for_url(f"{base}/", timeout=WAIT_MS)
    return context, page, outside


def test_admin_sees_the_sector_editor_and_the_charts(server, browser):
    context, page, outside = _staff_page(browser, server, ADMIN)
    page.goto(f"{server}/secteurs")
    frame = page.frame_locator("iframe[title*='streamlit_folium']")
    frame.locator("path.leaflet-interactive").nth(9).wait_for(timeout=WAIT_MS)  # 9 sectors and the outline
    assert frame.locator(".leaflet-draw-draw-polyline").count() == 1  # the split line is drawn here
    page.goto(f"{server}/statistiques")
    page.locator(".vega-embed").nth(1).wait_for(timeout=WAIT_MS)  # the year's bars and the trend
    assert page.locator(".vega-embed svg, .vega-embed canvas").count() >= 2
    assert outside == []
    context.close()


def test_gendarmerie_heat_map_goes_when_access_closes(server, browser, staff_db):
    from services import Actor, gendarmerie
    from services._core import _chosen_url
    from store.schema import Role

    context, page, outside = _staff_page(browser, server, GENDARMERIE)
    page.goto(f"{server}/carte_chaleur")
    page.get_by_text("Carte de chaleur — ").first.wait_for(timeout=WAIT_MS)
    page.frame_locator("iframe[title*='streamlit_folium']").locator(".leaflet-container").wait_for(timeout=WAIT_MS)
    previous = _chosen_url[0]
    _chosen_url[0] = staff_db
    try:
        gendarmerie.close_access(Actor(role=Role.MAIRIE_ADMIN, commune_id=1), "91999", reason="fin de l'essai")
    finally:
        _chosen_url[0] = previous
    page.reload()
    page.get_by_text("Mon secteur").first.wait_for(timeout=WAIT_MS)
    assert page.get_by_text("Carte de chaleur").count() == 0  # neither the page nor its link
    assert outside == []
    context.close()
