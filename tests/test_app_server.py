"""``voisinage serve`` end to end: a real server process, Debian's chromium driven by Playwright.

Sign-in sets an HttpOnly session cookie that survives a reload; sign-out revokes the session server-side;
a wrong password sets no cookie; every response carries the security headers; with no tiles, not one
request leaves 127.0.0.1 and the map is painted.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from app_support import chromium_path, running_server
from conftest import skip_or_fail

from data.demo_accounts import DEMO_ACCOUNTS

RESIDENT = DEMO_ACCOUNTS[0]
OTHER = DEMO_ACCOUNTS[1]
WAIT_MS = 90_000  # generous: the machine is shared


@pytest.fixture(scope="module")
def server(demo_db_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("app")
    with running_server(demo_db_url, folder / "serve.log") as base:
        yield base


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    path = chromium_path()
    if path is None:
        skip_or_fail("chromium absent (make test installs it: apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=path, args=["--no-sandbox"])
        yield launched
        launched.close()


def _csrf(client: httpx.Client, base: str) -> str:
    page = client.get(f"{base}/auth/login")
    assert page.status_code == 200
    found = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert found is not None
    return found.group(1)


def test_healthz(server):
    answer = httpx.get(f"{server}/healthz")
    assert (answer.status_code, answer.text) == (200, "ok")


@pytest.mark.parametrize("path", ["/", "/healthz", "/auth/login", "/assets/map/leaflet/leaflet.js", "/nope"])
def test_security_headers_on_every_response(server, path):
    headers = httpx.get(f"{server}{path}").headers
    csp = headers["content-security-policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'self'" in csp
    assert "'unsafe-eval'" not in csp and "'unsafe-inline'" not in csp.split("script-src")[1].split(";")[0]
    assert "http" not in csp  # no third party when tiles are off
    assert headers["referrer-policy"] == "no-referrer"
    assert headers["x-content-type-options"] == "nosniff"


def test_map_frame_policy_allows_only_its_inline_script(server):
    headers = httpx.get(f"{server}/component/streamlit_folium.st_folium/index.html").headers
    script_src = headers["content-security-policy"].split("script-src")[1].split(";")[0]
    assert script_src.strip() == "'self' 'unsafe-inline'"


def test_wrong_password_sets_no_session_cookie(server):
    with httpx.Client() as client:
        token = _csrf(client, server)
        answer = client.post(
            f"{server}/auth/login", data={"email": OTHER.email, "password": "pas-le-bon-mot", "csrf": token}
        )
    assert answer.status_code == 401
    assert "incorrect" in answer.text
    assert "voisinage_session" not in answer.headers.get("set-cookie", "")


def test_login_without_the_csrf_token_is_refused(server):
    with httpx.Client() as client:
        _csrf(client, server)
        answer = client.post(f"{server}/auth/login", data={"email": RESIDENT.email, "password": RESIDENT.password})
    assert answer.status_code == 403
    assert "voisinage_session" not in answer.headers.get("set-cookie", "")


def test_login_sets_an_httponly_lax_cookie_and_redirects(server):
    with httpx.Client() as client:
        token = _csrf(client, server)
        answer = client.post(
            f"{server}/auth/login", data={"email": RESIDENT.email, "password": RESIDENT.password, "csrf": token}
        )
    assert answer.status_code == 303 and answer.headers["location"] == "/"
    cookie = answer.headers["set-cookie"]
    assert cookie.startswith("voisinage_session=")
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" not in cookie
    assert "voisinage_session" not in answer.headers["location"]


def test_secure_cookie_behind_https_proxy(server):
    with httpx.Client() as client:
        token = _csrf(client, server)
        answer = client.post(
            f"{server}/auth/login",
            data={"email": RESIDENT.email, "password": RESIDENT.password, "csrf": token},
            headers={"x-forwarded-proto": "https"},
        )
    assert answer.status_code == 303
    assert "Secure" in answer.headers["set-cookie"]


def _sign_in(page: Any, base: str, email: str, password: str) -> None:
    page.goto(f"{base}/auth/login")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/", timeout=WAIT_MS)


def test_session_survives_reload_and_sign_out_revokes_it(server, browser):
    context = browser.new_context()
    page = context.new_page()
    _sign_in(page, server, RESIDENT.email, RESIDENT.password)
    page.get_by_text("Mon secteur —").wait_for(timeout=WAIT_MS)
    session = next(c for c in context.cookies() if c["name"] == "voisinage_session")
    assert session["httpOnly"] and session["sameSite"] == "Lax"
    assert page.evaluate("document.cookie").find("voisinage_session") == -1

    page.reload()
    page.get_by_text("Mon secteur —").wait_for(timeout=WAIT_MS)

    page.goto(f"{server}/auth/logout")
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/auth/login\?out=1$"), timeout=WAIT_MS)
    assert not [c for c in context.cookies() if c["name"] == "voisinage_session"]
    context.close()

    # The old cookie, replayed, no longer opens anything: the session was revoked server-side.
    replay = browser.new_context()
    replay.add_cookies([{k: session[k] for k in ("name", "value", "domain", "path")}])
    again = replay.new_page()
    again.goto(f"{server}/")
    again.get_by_role("link", name="Se connecter").wait_for(timeout=WAIT_MS)
    assert again.get_by_text("Mon secteur —").count() == 0
    replay.close()


def test_map_is_painted_with_no_request_leaving_localhost(server, browser):
    context = browser.new_context()
    outside: list[str] = []
    blocked: list[str] = []

    def watch(request: Any) -> None:
        if not re.match(r"^(https?|wss?)://127\.0\.0\.1:\d+/|^(data|blob|about):", request.url):
            outside.append(request.url)

    context.on("request", watch)
    page = context.new_page()
    page.on("console", lambda message: "Content Security Policy" in message.text and blocked.append(message.text))
    _sign_in(page, server, RESIDENT.email, RESIDENT.password)
    frame_locator = page.frame_locator("iframe[title*='streamlit_folium']")
    # 9 sectors + the commune's outline, drawn as SVG paths by Leaflet.
    frame_locator.locator("path.leaflet-interactive").nth(9).wait_for(timeout=WAIT_MS)
    painted = frame_locator.locator("path.leaflet-interactive").count()
    assert painted >= 10
    highlighted = frame_locator.locator("path.leaflet-interactive[stroke='#b91c1c']").count()
    assert highlighted == 1  # my sector
    assert outside == []
    assert blocked == []
    context.close()
