"""The XSS corpus through every page of every role, in a real browser (Debian's chromium) against ``voisinage serve``.

The payloads of :mod:`xss_corpus` are stored through the services as the commune's name, sector names,
member names, category labels, alert texts (published and waiting for moderation), the charter and the
gendarmerie access log (:mod:`xss_world`). Then each role signs in and opens every page the navigation
gives it (``app_pages._nav.page_list``: pages added later are covered without changing this test), waits
for the maps, opens every tooltip and popup, every expander and tab, downloads what the page offers, and
reads a tripwire (``window.__pwned``) in every frame: zero executions, no dialog, no script blocked by the
Content-Security-Policy (an injection the CSP stopped is still an escaping bug), no formula in a CSV cell.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from app_support import browser_sign_in, running_server, services_on
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from xss_corpus import PAYLOADS
from xss_world import PASSWORD, PAYLOAD_RESIDENT, Tally, build_xss_database

from data.demo_accounts import DEMO_ACCOUNTS, DemoAccount, current_code
from store.schema import Role

WAIT_MS = 120_000  # generous: the machine is shared
SETTLE_MS = 600
SETTLE_TIMEOUT_MS = 60_000
MAP_WAIT_MS = 60_000
# Installed in every frame before its own scripts: the tripwire, and a record of what the CSP blocked.
TRIPWIRE = """
window.__pwned = window.__pwned || 0;
window.__csp = window.__csp || [];
document.addEventListener('securitypolicyviolation', e =>
    window.__csp.push(e.effectiveDirective + ' ' + e.blockedURI + ' ' + (e.sample || '')));
"""
# Every tooltip and popup of a folium map (streamlit_folium keeps it as ``window.map``) opened once.
OPEN_LAYERS = """() => {
    const map = window.map;
    if (!map || !map.eachLayer) return -1;
    let count = 0;
    map.eachLayer(layer => {
        if (layer.getTooltip && layer.getTooltip()) { layer.openTooltip(); count++; }
        if (layer.getPopup && layer.getPopup()) { layer.openPopup(); count++; }
    });
    return count;
}"""
# What the policy may block without an injection being the cause: WebAssembly compiled by Streamlit's own bundle.
HARMLESS_BLOCKS = ("wasm-eval",)
# Links to anywhere but the server itself (a Markdown link in a name would show one), ``javascript:`` included.
# Leaflet's own attribution links to its site (not user text).
FOREIGN_LINKS = """() => Array.from(document.querySelectorAll('a[href]'))
    .filter(a => !a.href.startsWith(location.origin) && !/^(tel|sms|mailto|about|blob|data):/.test(a.href)
                 && !a.href.startsWith('https://leafletjs.com'))
    .map(a => location.pathname.slice(0, 40) + ' ' + a.outerHTML.slice(0, 160))"""
LOCAL = re.compile(r"^(https?|wss?)://127\.0\.0\.1:\d+/|^(data|blob|about):")
FORMULA_START = ("=", "+", "-", "@")
NUMBER = re.compile(r"[+-]?\d+(?:[.,]\d+)?(?:[eE][+-]?\d+)?")


def _account(role: Role) -> DemoAccount:
    return next(a for a in DEMO_ACCOUNTS if a.role == role)


# (label, e-mail, password, TOTP account): the demo account of every role, and a resident named by a payload.
WHO = [
    ("habitant", _account(Role.RESIDENT).email, _account(Role.RESIDENT).password, None),
    ("habitant-charge-utile", PAYLOAD_RESIDENT, PASSWORD, None),
    ("referent", _account(Role.REFERENT).email, _account(Role.REFERENT).password, _account(Role.REFERENT)),
    ("agent", _account(Role.MAIRIE_AGENT).email, _account(Role.MAIRIE_AGENT).password, _account(Role.MAIRIE_AGENT)),
    ("admin", _account(Role.MAIRIE_ADMIN).email, _account(Role.MAIRIE_ADMIN).password, _account(Role.MAIRIE_ADMIN)),
    ("gendarmerie", _account(Role.GENDARMERIE).email, _account(Role.GENDARMERIE).password, _account(Role.GENDARMERIE)),
]


@pytest.fixture(scope="module")
def xss_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Tally]]:
    from test_staff_pages import import_ssmsi_for_the_demo

    from services import reset_engine

    folder = tmp_path_factory.mktemp("xss")
    try:
        with services_on(None):  # building runs the CLI in this process, which sets the services' database
            url, tally = build_xss_database(folder)
            import_ssmsi_for_the_demo(folder)
            yield url, tally
    finally:
        reset_engine()


@pytest.fixture(scope="module")
def server(xss_world: tuple[str, Tally], tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with running_server(xss_world[0], tmp_path_factory.mktemp("serve-xss") / "serve.log") as base:
        yield base


def test_the_payloads_are_stored(xss_world):
    """Most payloads are stored in every field; the store's policy refused the others (counted, with why)."""
    _url, tally = xss_world
    print("payloads:", len(PAYLOADS), tally.as_json())
    assert tally.stored["commune"] == 1 and tally.stored["sector"] == len(PAYLOADS)
    assert tally.stored["member"] == len(PAYLOADS)
    assert tally.stored["alert"] >= 0.9 * len(PAYLOADS)
    # Labels hold 80 characters: the longer payloads are refused, with a message saying so.
    assert tally.stored["category"] >= 0.8 * len(PAYLOADS)
    assert all("80 caractères" in reason for reason in tally.reasons if reason.startswith("category"))


def _pages(url: str, email: str | None) -> list[tuple[str, str]]:
    """``(path, title)`` of every page the navigation gives the member of ``email`` (None: signed out)."""
    from app_pages._nav import NAV_ACTIONS, page_list
    from services import use_database
    from services.auth import member_actor
    from services.staff import granted

    use_database(url)
    actor = member_actor(email) if email else None
    listed = page_list(actor, granted(actor, NAV_ACTIONS))
    return [("/" if index == 0 else "/" + Path(file).stem, title) for index, (file, title) in enumerate(listed)]


def _settle(page: Any) -> bool:
    """Wait until the script has run (Streamlit marks its root), then a moment for the components; False when it
    kept running (a page refreshing by itself faster than a loaded machine runs it): its content is read anyway."""
    try:
        page.locator("[data-testid=stApp][data-test-script-state=notRunning]").wait_for(timeout=SETTLE_TIMEOUT_MS)
    except PlaywrightTimeout:
        return False
    page.wait_for_timeout(SETTLE_MS)
    return True


def _open_maps(page: Any) -> tuple[int, int]:
    """Wait for every map frame's Leaflet map, open every tooltip and popup; how many were opened, and how many
    map frames never showed a map (their tripwire is read all the same)."""
    opened = missing = 0
    for handle in page.locator("iframe[title*='streamlit_folium']").element_handles():
        frame = handle.content_frame()
        if frame is None:
            continue
        try:
            frame.wait_for_function("() => window.map && window.map.eachLayer", timeout=MAP_WAIT_MS)
        except PlaywrightTimeout:
            missing += 1
            continue
        opened += max(frame.evaluate(OPEN_LAYERS), 0)
    return opened, missing


def _interact(page: Any) -> None:
    """Open every expander (at once: a page may hold a hundred) and every tab, so that what they hold is shown."""
    page.evaluate(
        "() => document.querySelectorAll('[data-testid=stExpander] details').forEach(d => { d.open = true; })"
    )
    for tab in page.locator("[data-baseweb=tab]").all()[:12]:
        if tab.is_visible():
            tab.click(timeout=10_000)
    _settle(page)


def _csv_formulas(data: bytes) -> list[str]:
    text = data.decode("utf-8-sig", errors="replace")
    cells = [cell for row in csv.reader(io.StringIO(text), delimiter=";" if text.count(";") > text.count(",") else ",")
             for cell in row]  # fmt: skip
    return [c for c in cells if c.startswith(FORMULA_START) and not NUMBER.fullmatch(c)]


def _downloads(page: Any) -> list[tuple[str, list[str]]]:
    """Every download the page offers: its file name, and the CSV cells a spreadsheet would run."""
    found = []
    for button in page.locator("[data-testid=stDownloadButton] button").all():
        if not button.is_visible() or not button.is_enabled():
            continue
        with page.expect_download(timeout=WAIT_MS) as info:
            button.click()
        download = info.value
        data = Path(download.path()).read_bytes()
        name = download.suggested_filename
        found.append((name, _csv_formulas(data) if name.lower().endswith(".csv") else []))
    return found


def _frame_readings(page: Any) -> list[dict[str, Any]]:
    readings = []
    for frame in page.frames:
        try:
            reading = frame.evaluate("() => ({pwned: window.__pwned, csp: window.__csp || null})")
            reading["links"] = frame.evaluate(FOREIGN_LINKS) if frame.url.startswith("http") else []
        except Exception:  # a frame that went away while reading: nothing ran in it that is still there
            continue
        readings.append({"url": frame.url[:80], **reading})
    return readings


@pytest.mark.slow
@pytest.mark.parametrize("who", [w[0] for w in WHO] + ["anonyme"])
def test_no_payload_runs_on_any_page(server, browser, xss_world, who):
    url, _tally = xss_world
    label, email, password, staff = next((w for w in WHO if w[0] == who), (who, None, "", None))
    pages = _pages(url, email)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    context.add_init_script(TRIPWIRE)
    outside: list[str] = []
    context.on("request", lambda r: None if LOCAL.match(r.url) else outside.append(r.url))
    page = context.new_page()
    dialogs: list[str] = []
    console: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.on(
        "console",
        lambda m: (
            "Content Security Policy" in m.text
            and not any(h in m.text for h in HARMLESS_BLOCKS)
            and console.append(m.text)
        ),
    )
    if email:
        browser_sign_in(page, server, email, password, totp=current_code(staff) if staff else "", timeout_ms=WAIT_MS)
    report: dict[str, Any] = {}
    for path, title in pages:
        page.goto(f"{server}{path}")
        settled = _settle(page)
        page.get_by_text(title).first.wait_for(timeout=WAIT_MS)
        opened, maps_missing = _open_maps(page)
        _interact(page)
        downloads = _downloads(page)
        page.wait_for_timeout(SETTLE_MS)
        readings = _frame_readings(page)
        report[title] = {
            "settled": settled,
            "exceptions": page.locator("[data-testid=stException]").count(),
            "frames": len(readings),
            "maps_opened": opened,
            "maps_missing": maps_missing,
            "executed": sum(1 for r in readings if r["pwned"] not in (0, None)),
            "without_tripwire": [r["url"] for r in readings if r["pwned"] is None],
            "csp": [v for r in readings for v in (r["csp"] or []) if not any(h in v for h in HARMLESS_BLOCKS)],
            "downloads": downloads,
            "foreign_links": [link for r in readings for link in r["links"]],
        }
    if not email:
        page.goto(f"{server}/auth/login")
        report["/auth/login"] = {"frames": 1, "executed": int(page.evaluate("window.__pwned") != 0)}
    print(f"XSS {label}:", json.dumps(report, ensure_ascii=False))
    context.close()
    assert pages, "no page for this role"
    assert all(entry["executed"] == 0 for entry in report.values()), report
    # A page that failed would hide its payloads rather than show them.
    assert not [t for t, e in report.items() if e.get("exceptions")], report
    # The tripwire is in every frame, srcdoc ones included (else a frame's reading would prove nothing).
    assert not [u for e in report.values() for u in e.get("without_tripwire", [])], report
    assert not [v for e in report.values() for v in e.get("csp", [])], report
    assert dialogs == [] and console == [], (dialogs, console)
    assert outside == [], outside  # no image or script of a payload fetched from elsewhere
    assert not [link for e in report.values() for link in e.get("foreign_links", [])], report
    assert not [f for e in report.values() for _n, f in e.get("downloads", []) if f], report


def test_plain_markdown_keeps_bare_addresses_as_text():
    """Streamlit's Markdown links a bare address even with its signs escaped: plain() breaks the scheme."""
    from app_pages._staff import plain

    shown = plain("[Mairie](https://voisinage-piege.example/x) www.piege.example HTTP://a")
    assert "https:/" not in shown.replace("\\", "") and "www." not in shown.replace("\\", "")
    assert (
        shown.replace("\\", "").replace("\u2060", "")
        == "[Mairie](https://voisinage-piege.example/x) www.piege.example HTTP://a"
    )
