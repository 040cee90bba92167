"""The map layers in a real browser: 120 XSS payloads as commune, sector, category names and alert texts, every
tooltip and popup opened, a tripwire in every frame: zero executions. No request leaves the page's assets.
"""

from __future__ import annotations

from typing import Any

import shapely
from conftest import skip_or_fail
from xss_corpus import PAYLOADS

from layers import (
    ASSET_ROUTE,
    SERVED_PACKAGES,
    MapAlert,
    SectorShape,
    alerts_layer,
    base_map,
    commune_outline,
    sectors_layer,
    tile_spec,
)
from settings import PROJECT_ROOT

ORIGIN = "http://voisinage.test"
BOX = (2.15, 48.68, 2.20, 48.71)


def _map_html() -> str:
    folium_map = base_map(BOX, tile_spec("none"))
    commune_outline(PAYLOADS[0], shapely.box(*BOX)).add_to(folium_map)
    sectors = []
    for i, payload in enumerate(PAYLOADS[:30]):
        x = BOX[0] + (i % 6) * 0.008
        y = BOX[1] + (i // 6) * 0.006
        sectors.append(SectorShape(f"S{i}", payload, shapely.box(x, y, x + 0.008, y + 0.006)))
    sectors_layer(sectors, home={"S0"}, labels=True).add_to(folium_map)  # names written on the map too
    alerts = [
        MapAlert(BOX[0] + 0.0004 * (i % 100), BOX[1] + 0.0003 * (i // 10), PAYLOADS[-1 - i], payload, payload)
        for i, payload in enumerate(PAYLOADS)
    ]
    alerts_layer(alerts).add_to(folium_map)
    return folium_map.get_root().render()


def _serve_assets(route: Any) -> None:
    """The npm packages' files, as ``voisinage serve`` serves them; anything else is refused."""
    relative = route.request.url.removeprefix(ORIGIN + ASSET_ROUTE + "/")
    package, _, file = relative.partition("/")
    base = PROJECT_ROOT / "node_modules" / SERVED_PACKAGES.get(package, "-")
    target = (base / file).resolve()
    if package in SERVED_PACKAGES and target.is_file() and base.resolve() in target.parents:
        route.fulfill(path=str(target))
    else:
        route.abort()


def test_no_payload_runs_with_every_tooltip_and_popup_open(browser):
    if not (PROJECT_ROOT / "node_modules" / "leaflet").is_dir():
        skip_or_fail("node_modules absent (make assets)")
    context = browser.new_context()
    context.add_init_script("window.__pwned = 0;")
    requests: list[str] = []
    context.on("request", lambda r: requests.append(r.url))
    context.route(f"{ORIGIN}{ASSET_ROUTE}/**", _serve_assets)
    context.route(f"{ORIGIN}/", lambda route: route.fulfill(body=_map_html(), content_type="text/html"))
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(f"{ORIGIN}/")
    assert page.evaluate("window.__pwned") == 0
    page.wait_for_function("() => Object.keys(window).some(k => k.startsWith('map_'))", timeout=60_000)
    opened = page.evaluate(
        """() => {
            const map = window[Object.keys(window).find(k => k.startsWith('map_'))];
            let count = 0;
            map.eachLayer(layer => {
                if (layer.getTooltip && layer.getTooltip()) { layer.openTooltip(); count++; }
                if (layer.getPopup && layer.getPopup()) { layer.openPopup(); count++; }
            });
            return count;
        }"""
    )
    assert opened >= len(PAYLOADS) + 30  # every alert's popup and tooltip, every sector's tooltip
    page.wait_for_timeout(1000)
    for frame in page.frames:
        assert frame.evaluate("window.__pwned") == 0
    assert dialogs == []
    # The text is shown as typed, as text:
    assert page.locator(".leaflet-popup-content").first.inner_text().strip() != ""
    assert all(url.startswith(ORIGIN) or url.startswith("data:") for url in requests)
    context.close()
