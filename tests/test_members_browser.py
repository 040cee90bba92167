"""« Membres » in a real browser (Debian's chromium, Playwright) against ``voisinage serve``: the mairie's admin
sees a pending sign-up on the map and verifies it; the name typed by the applicant runs nothing; an agent registers
a paper sign-up by a BAN address, stored pending in the sector of that address."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from app_support import database_apart, running_server, services_on
from test_members_page import a_ban_address
from test_staff_browser import WAIT_MS, _staff_page
from test_staff_pages import ADMIN, AGENT

NAME = 'Sam <img src=x onerror="window.__pwned=1"> `${window.__pwned=2}`'
EMAIL = "en.attente@demo.voisinage.fr"


@pytest.fixture(scope="module")
def desk_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    """A demo database of its own with one more sign-up waiting, in the first sector; its URL and the member's id."""
    from services import Actor, reset_engine
    from services import members as member_service
    from services.maps import commune_map
    from store.schema import Role

    url = database_apart(tmp_path_factory.mktemp("desk"))
    try:
        with services_on(url):
            sector = commune_map(Actor(role=Role.MAIRIE_ADMIN, commune_id=1)).sectors[0]
            point = sector.geometry.representative_point()
            done = member_service.register(Actor.operator(), "91999", email=EMAIL, name=NAME, lon=point.x, lat=point.y)
        yield url, done.member.id
    finally:
        reset_engine()


def test_admin_verifies_a_pending_member_in_the_browser(desk_db, browser, tmp_path):
    from services import Actor
    from services import members as member_service

    url, member_id = desk_db
    with running_server(url, tmp_path / "serve.log") as base:
        context, page, outside = _staff_page(browser, base, ADMIN)
        page.add_init_script("window.__pwned = undefined")
        page.goto(f"{base}/membres")
        page.get_by_text("Inscriptions à vérifier (1)").wait_for(timeout=WAIT_MS)
        verify = page.locator(f".st-key-verify-{member_id} button")
        verify.wait_for(timeout=WAIT_MS)
        assert page.get_by_text(NAME, exact=False).count() >= 1  # shown as typed
        frame = page.frame_locator("iframe[title*='streamlit_folium']").first
        frame.locator("path.leaflet-interactive").first.wait_for(timeout=WAIT_MS)  # the map is painted
        verify.click()
        page.get_by_text("Inscription vérifiée.").wait_for(timeout=WAIT_MS)
        assert page.evaluate("window.__pwned") is None
        assert all(f.evaluate("window.__pwned === undefined || window.__pwned === null") for f in page.frames)
        assert outside == []
        context.close()
    with services_on(url):
        checked = member_service.view(Actor.operator(), "91999", EMAIL)
    assert (checked.status, checked.verification_method) == ("verified", "courrier")


def test_agent_registers_a_paper_sign_up_by_address_in_the_browser(desk_db, browser, tmp_path):
    from services import Actor
    from services import members as member_service
    from services.sectors import locate_point
    from store.schema import Role

    url, _member_id = desk_db
    email = "papier.navigateur@demo.voisinage.fr"
    with services_on(url):
        address, lon, lat = a_ban_address(Actor(role=Role.MAIRIE_ADMIN, commune_id=1))
        expected = locate_point(Actor.operator(), "91999", lon, lat)
    assert expected is not None
    with running_server(url, tmp_path / "serve.log") as base:
        context, page, outside = _staff_page(browser, base, AGENT)
        page.goto(f"{base}/membres")
        page.get_by_role("tab", name="Inscription papier").click()
        page.locator(".st-key-paper-name input").fill("Mme Navigateur")
        page.locator(".st-key-paper-email input").fill(email)
        page.locator(".st-key-paper-address input").fill(address)
        page.get_by_role("button", name="Chercher l'adresse").click()
        page.get_by_text(f"secteur {expected.name}", exact=False).first.wait_for(timeout=WAIT_MS)
        page.get_by_role("button", name="Inscrire").click()
        page.get_by_text("inscrit·e (en attente de vérification)", exact=False).wait_for(timeout=WAIT_MS)
        assert outside == []
        context.close()
    with services_on(url):
        member = member_service.view(Actor.operator(), "91999", email)
        waiting = next(p for p in member_service.pending(Actor.operator(), "91999") if p.member.email == email)
    assert (member.status, member.registered_via, member.sector_code) == ("pending", "paper", expected.code)
    assert (round(waiting.lon, 6), round(waiting.lat, 6)) == (round(lon, 6), round(lat, 6))
