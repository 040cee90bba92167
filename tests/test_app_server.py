"""``voisinage serve`` end to end: a real server process, Debian's chromium driven by Playwright.

Sign-in sets an HttpOnly session cookie that survives a reload; sign-out revokes the session server-side;
a wrong password sets no cookie; every response carries the security headers; with no tiles, not one
request leaves 127.0.0.1 and the map is painted.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from app_support import browser_sign_in, running_server

from data.demo_accounts import DEMO_ACCOUNTS

RESIDENT = DEMO_ACCOUNTS[0]
OTHER = DEMO_ACCOUNTS[1]
WAIT_MS = 90_000  # generous: the machine is shared


@pytest.fixture(scope="module")
def server(demo_db_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("app")
    with running_server(demo_db_url, folder / "serve.log") as base:
        yield base


def _csrf(client: httpx.Client, base: str) -> str:
    page = client.get(f"{base}/auth/login")
    assert page.status_code == 200
    found = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert found is not None
    return found.group(1)


def test_healthz(server):
    answer = httpx.get(f"{server}/healthz")
    assert (answer.status_code, answer.text) == (200, "ok")


@pytest.mark.parametrize("path", ["/", "/healthz", "/auth/login", "/assets/map/leaflet/leaflet.js", "/nope", "/a/b"])
def test_security_headers_on_every_response(server, path):
    headers = httpx.get(f"{server}{path}").headers
    csp = headers["content-security-policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'self'" in csp
    assert "'unsafe-eval'" not in csp and "'unsafe-inline'" not in csp.split("script-src")[1].split(";")[0]
    assert "http" not in csp  # no third party when tiles are off
    assert headers["referrer-policy"] == "no-referrer"
    assert headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize("path", ["/a/b", "/signaler/x", "/nope/deeper/still/", "/a/%3Cscript%3E"])
def test_a_nested_unknown_address_gets_a_french_404_not_a_blank_page(server, path):
    answer = httpx.get(f"{server}{path}", follow_redirects=True)
    assert answer.status_code == 404
    shown = html.unescape(answer.text)
    assert "Page introuvable" in shown and "Revenir à l'accueil" in shown
    assert "<script" not in answer.text.lower()  # neither Streamlit's app shell nor the path echoed back


def test_nested_addresses_that_are_served_still_are(server):
    index = httpx.get(f"{server}/").text
    script = re.search(r'src="\.?/?(static/js/[^"]+)"', index)
    assert script is not None
    assert httpx.get(f"{server}/{script.group(1)}").status_code == 200  # Streamlit's own assets
    assert httpx.get(f"{server}/_stcore/health").status_code == 200
    assert httpx.get(f"{server}/assets/map/leaflet/leaflet.js").status_code == 200
    assert httpx.get(f"{server}/auth/login").status_code == 200
    # Streamlit's component route answers for itself (404 until a page has registered the component)
    assert "Page introuvable" not in httpx.get(f"{server}/component/streamlit_folium.st_folium/index.html").text


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
    browser_sign_in(page, base, email, password, timeout_ms=WAIT_MS)


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


def _invite_staff(db_url: str, email: str) -> str:
    """A new mairie agent named by the operator (as ``voisinage members add --role mairie_agent``)."""
    from services import Actor, reset_engine, use_database
    from services.members import name_staff

    use_database(db_url)
    try:
        registered = name_staff(Actor.operator(), "91999", email=email, name="Nouvel agent", role="mairie_agent")
    finally:
        use_database(None)
        reset_engine()
    assert registered.invitation_token
    return registered.invitation_token


def test_invitation_then_totp_enrolment_with_a_qr_code(server, demo_db_url):
    import pyotp

    token = _invite_staff(demo_db_url, "nouvel.agent@demo.voisinage.fr")
    password = "Marronnier-Orsay-2026"
    with httpx.Client(base_url=server) as client:
        page = client.get("/auth/invitation")
        csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
        weak = client.post("/auth/invitation", data={"token": token, "password": "court", "csrf": csrf})
        assert weak.status_code == 400 and "mot de passe" in weak.text.lower()
        chosen = client.post("/auth/invitation", data={"token": token, "password": password, "csrf": csrf})
        assert chosen.status_code == 303 and chosen.headers["location"] == "/auth/login?password=1"
        again = client.post("/auth/invitation", data={"token": token, "password": password, "csrf": csrf})
        assert again.status_code == 400  # the code works once

        signed = client.post(
            "/auth/login", data={"email": "nouvel.agent@demo.voisinage.fr", "password": password, "csrf": csrf}
        )
        assert signed.status_code == 303 and signed.headers["location"] == "/auth/totp"
        enrol = client.get("/auth/totp")
        assert enrol.status_code == 200
        assert 'src="data:image/svg+xml' in enrol.text  # the QR code is drawn here, not by a third party
        secret = re.search(r"<code>([A-Z2-7 ]+)</code>", enrol.text).group(1).replace(" ", "")
        wrong = client.post("/auth/totp", data={"totp": "000000", "csrf": csrf})
        assert wrong.status_code == 400
        done = client.post("/auth/totp", data={"totp": pyotp.TOTP(secret).now(), "csrf": csrf})
        assert done.status_code == 303 and done.headers["location"] == "/"


def test_forgotten_password_answers_the_same_for_unknown_addresses(server):
    with httpx.Client(base_url=server) as client:
        csrf = _csrf(client, server)
        known = client.post("/auth/forgot", data={"email": OTHER.email, "csrf": csrf})
        unknown = client.post("/auth/forgot", data={"email": "personne@example.org", "csrf": csrf})
        refused = client.post("/auth/forgot", data={"email": OTHER.email})
    assert known.status_code == unknown.status_code == 200
    assert "Si un compte existe" in known.text and "Si un compte existe" in unknown.text
    assert refused.status_code == 403


SAME_SECTOR = next(a for a in DEMO_ACCOUNTS if a.email == "voisine@demo.voisinage.fr")
REFERENT = next(a for a in DEMO_ACCOUNTS if a.role.value == "referent")


def _post_and_approve(db_url: str, text: str) -> int:
    """A resident of sector 0 posts; the referent of sector 0 approves (through the services, as the app does)."""
    from services import alerts, reset_engine, unit_of_work, use_database
    from services.auth import act_for
    from store.schema import Member

    use_database(db_url)
    try:
        author = act_for(SAME_SECTOR.email, operator="tests")
        with unit_of_work() as session:
            home = session.query(Member).filter_by(email=SAME_SECTOR.email).one()
            lon, lat = home.lon, home.lat
        posted = alerts.post(author, category="vehicule-suspect", text=text, lon=lon, lat=lat, confirm_new=True)
        if posted.status == "pending":
            alerts.moderate(act_for(REFERENT.email, operator="tests"), posted.alert_id, approve=True)
        return posted.alert_id
    finally:
        use_database(None)
        reset_engine()


def test_a_published_alert_appears_live_in_the_sector_and_never_elsewhere(server, browser, demo_db_url):
    here = browser.new_context()
    elsewhere = browser.new_context()
    mine, other = here.new_page(), elsewhere.new_page()
    _sign_in(mine, server, RESIDENT.email, RESIDENT.password)
    _sign_in(other, server, OTHER.email, OTHER.password)
    mine.get_by_text("Alertes (").wait_for(timeout=WAIT_MS)
    other.get_by_text("Alertes (").wait_for(timeout=WAIT_MS)
    text = "Scooter sans plaque garé devant l'école depuis ce matin, moteur tournant."
    _post_and_approve(demo_db_url, text)
    # No reload: the page's fragment reads the feed again every few seconds.
    mine.get_by_text(text).wait_for(timeout=WAIT_MS)
    other.wait_for_timeout(10_000)  # two refresh cycles and more
    assert other.get_by_text(text).count() == 0
    here.close()
    elsewhere.close()


def test_wrong_passwords_count_against_the_limit(server):
    locked = next(a for a in DEMO_ACCOUNTS if a.role.value == "gendarmerie")  # used by no other test
    with httpx.Client() as client:
        token = _csrf(client, server)
        answers = [
            client.post(f"{server}/auth/login", data={"email": locked.email, "password": f"faux-{i}", "csrf": token})
            for i in range(5)
        ]
        right = client.post(
            f"{server}/auth/login", data={"email": locked.email, "password": locked.password, "csrf": token}
        )
    assert [a.status_code for a in answers] == [401] * 5
    assert right.status_code == 401 and "Trop de tentatives" in right.text
    assert "voisinage_session" not in right.headers.get("set-cookie", "")


@pytest.mark.postgis
def test_serve_refuses_a_postgis_role_that_bypasses_isolation(postgis_owner_url, tmp_path):
    # The throwaway cluster's owner URL is the superuser's, owner of the tables: serving with it is refused.
    with (
        pytest.raises(RuntimeError, match="Refus de démarrer"),
        running_server(postgis_owner_url, tmp_path / "serve.log"),
    ):
        pass


@pytest.mark.postgis
def test_serve_on_postgis_as_the_app_role_signs_a_member_in(postgis_engine, shared_file, tmp_path):
    from members_support import BAN_FILE, GOOD_PASSWORD, build_world
    from typer.testing import CliRunner

    from cli import app

    url = postgis_engine.url.render_as_string(hide_password=False)  # the application's role
    build_world(postgis_engine, shared_file(BAN_FILE))
    added = CliRunner().invoke(
        app,
        ["--db", url, "members", "add", "--commune", "75113", "--email", "alice@example.fr", "--name", "Alice",
         "--address", "32 rue Gérard", "--password-stdin"],
        input=GOOD_PASSWORD + "\n",
    )  # fmt: skip
    assert added.exit_code == 0, added.stderr
    with running_server(url, tmp_path / "serve.log") as base, httpx.Client() as client:
        token = _csrf(client, base)
        wrong = client.post(f"{base}/auth/login", data={"email": "alice@example.fr", "password": "x", "csrf": token})
        answer = client.post(
            f"{base}/auth/login", data={"email": "alice@example.fr", "password": GOOD_PASSWORD, "csrf": token}
        )
    assert wrong.status_code == 401 and "voisinage_session" not in wrong.headers.get("set-cookie", "")
    assert answer.status_code == 303 and answer.headers["set-cookie"].startswith("voisinage_session=")
