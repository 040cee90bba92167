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
from app_support import database_apart, running_server, services_on
from test_staff_pages import ADMIN, GENDARMERIE, import_ssmsi_for_the_demo

from data.demo_accounts import DemoAccount, current_code

WAIT_MS = 90_000  # generous: the machine is shared


@pytest.fixture(scope="module")
def staff_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A demo database of its own (no sign-in attempt or used code of other tests), with SSMSI figures and the
    gendarmerie's access open."""
    from services import Actor, gendarmerie, reset_engine
    from store.schema import Role

    folder = tmp_path_factory.mktemp("staff")
    url = database_apart(folder)
    try:
        with services_on(url):
            import_ssmsi_for_the_demo(folder)
            gendarmerie.open_access(Actor(role=Role.MAIRIE_ADMIN, commune_id=1), "91999", reason="essai")
            yield url
    finally:
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
    from store.schema import Role

    context, page, outside = _staff_page(browser, server, GENDARMERIE)
    page.goto(f"{server}/carte_chaleur")
    page.get_by_text("Carte de chaleur — ").first.wait_for(timeout=WAIT_MS)
    page.frame_locator("iframe[title*='streamlit_folium']").locator(".leaflet-container").wait_for(timeout=WAIT_MS)
    with services_on(staff_db):
        gendarmerie.close_access(Actor(role=Role.MAIRIE_ADMIN, commune_id=1), "91999", reason="fin de l'essai")
    page.reload()
    page.get_by_text("Mon secteur").first.wait_for(timeout=WAIT_MS)
    assert page.get_by_text("Carte de chaleur").count() == 0  # neither the page nor its link
    assert outside == []
    context.close()


def _editor(page: Any, base: str) -> Any:
    """The sector editor's map frame, painted (9 sectors and the outline)."""
    page.goto(f"{base}/secteurs")
    frame = page.frame_locator("iframe[title*='streamlit_folium']")
    frame.locator("path.leaflet-interactive").nth(9).wait_for(timeout=WAIT_MS)
    return frame


def _draft(staff_db: str) -> Any:
    from services import Actor
    from services.sector_edits import draft_version
    from services.staff import sector_layout
    from store.schema import Role

    with services_on(staff_db):
        admin = Actor(role=Role.MAIRIE_ADMIN, commune_id=1)
        return sector_layout(admin, "91999", draft_version(admin, "91999"))


def _middle_sector(page: Any, frame: Any) -> dict[str, float]:
    """The bounding box (page pixels) of the sector nearest the map's centre, the map scrolled into view."""
    container = frame.locator(".leaflet-container")
    container.scroll_into_view_if_needed()
    whole = container.bounding_box()
    assert whole is not None
    centre = (whole["x"] + whole["width"] / 2, whole["y"] + whole["height"] / 2)
    paths = frame.locator("path.leaflet-interactive")
    boxes = [b for b in (paths.nth(i).bounding_box() for i in range(paths.count())) if b is not None]
    sectors = [b for b in boxes if b["width"] < whole["width"] / 2]  # not the commune's outline

    def distance(b: dict[str, float]) -> float:
        return (b["x"] + b["width"] / 2 - centre[0]) ** 2 + (b["y"] + b["height"] / 2 - centre[1]) ** 2

    return min(sectors, key=distance)


def test_admin_splits_a_sector_along_a_line_drawn_with_the_mouse(server, browser, staff_db):
    context, page, outside = _staff_page(browser, server, ADMIN)
    frame = _editor(page, server)
    assert frame.get_by_title("Tracer une ligne (ligne de coupe)").count() == 1  # the toolbar speaks French
    box = _middle_sector(page, frame)
    x = box["x"] + box["width"] / 2
    frame.locator(".leaflet-draw-draw-polyline").click()
    for points, y in enumerate((box["y"] - 8, box["y"] + box["height"] + 8), start=1):
        page.mouse.move(x, y, steps=5)  # Leaflet.draw follows the pointer: move, then press and release
        page.mouse.down()
        page.mouse.up()
        frame.locator(".leaflet-editing-icon").nth(points - 1).wait_for(timeout=WAIT_MS)  # the vertex is placed
    frame.get_by_text("Terminer", exact=True).click()
    line = page.get_by_label("Ligne de coupe (tracez-la sur la carte, ou collez une LineString GeoJSON)")
    page.wait_for_function(
        "el => el.value.includes('LineString')", arg=line.element_handle(timeout=WAIT_MS), timeout=WAIT_MS
    )
    before = len(_draft(staff_db).sectors)
    page.get_by_role("button", name="Couper", exact=True).click()
    page.get_by_text("Secteur coupé").first.wait_for(timeout=WAIT_MS)
    after = _draft(staff_db)
    assert after.status == "draft" and len(after.sectors) == before + 1
    assert outside == []
    context.close()


def test_admin_moves_a_vertex_with_the_mouse(server, browser, staff_db):
    import json

    import shapely

    context, page, outside = _staff_page(browser, server, ADMIN)
    frame = _editor(page, server)
    page.locator('[data-testid="stSelectbox"]').first.click()
    option = page.get_by_role("option").nth(1)
    code = option.inner_text().split(" — ")[0].strip()
    option.click()
    outline = page.get_by_label("Nouveau contour")
    page.wait_for_function("el => el.value.includes('Polygon')", arg=outline.element_handle(timeout=WAIT_MS),
                           timeout=WAIT_MS)  # fmt: skip
    before = shapely.geometry.shape(json.loads(outline.input_value()))
    # The map is drawn again with the sector's outline editable: wait for the new frame alone.
    page.wait_for_function("() => document.querySelectorAll(\"iframe[title*='streamlit_folium']\").length === 1",
                           timeout=WAIT_MS)  # fmt: skip
    frame = page.frame_locator("iframe[title*='streamlit_folium']")
    frame.locator("path[stroke='#7c3aed']").wait_for(timeout=WAIT_MS)
    frame.locator(".leaflet-container").scroll_into_view_if_needed()
    frame.locator(".leaflet-draw-edit-edit").click()
    handle = frame.locator(".leaflet-editing-icon").nth(2)
    handle.wait_for(timeout=WAIT_MS)
    spot = handle.bounding_box()
    assert spot is not None
    cx, cy = spot["x"] + spot["width"] / 2, spot["y"] + spot["height"] / 2
    page.mouse.move(cx, cy)
    page.mouse.down()
    page.mouse.move(cx + 25, cy + 20, steps=5)
    page.mouse.up()
    frame.get_by_text("Enregistrer", exact=True).click()
    page.wait_for_function("([el, old]) => el.value !== old", arg=[outline.element_handle(), outline.input_value()],
                           timeout=WAIT_MS)  # fmt: skip
    moved = shapely.geometry.shape(json.loads(outline.input_value()))
    assert not moved.equals_exact(before, 1e-9)
    page.get_by_role("tab", name="Sommets").click()
    page.get_by_role("button", name="Enregistrer le contour").click()
    page.get_by_text(f"Contour de {code} modifié").first.wait_for(timeout=WAIT_MS)
    stored = next(s for s in _draft(staff_db).sectors if s.code == code)
    assert abs(stored.geometry.area - moved.area) < 1e-9
    assert outside == []
    context.close()
