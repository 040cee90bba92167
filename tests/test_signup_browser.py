"""« Inscription » in a real browser (Debian's chromium, Playwright) against ``voisinage serve``: a visitor picks an
address among the suggestions, sees their sector on the map, accepts the charter and lands on « en attente de
vérification »; the referent of that sector then finds them among the sign-ups to verify. A mistyped page gets
the French « Page introuvable ». Nothing leaves 127.0.0.1 and the name typed runs nothing."""

from __future__ import annotations

import re

import pytest
from app_support import database_apart, running_server
from test_staff_browser import WAIT_MS, _staff_page

from data.demo_accounts import DEMO_ACCOUNTS

REFERENT = next(a for a in DEMO_ACCOUNTS if a.role.value == "referent")
NAME = 'Nina <img src=x onerror="window.__pwned=1"> `${window.__pwned=2}`'
EMAIL = "nina.navigateur@exemple.fr"


@pytest.fixture(scope="module")
def signup_server_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    from services import reset_engine

    try:
        return database_apart(tmp_path_factory.mktemp("signup-browser"))
    finally:
        reset_engine()


def test_a_visitor_signs_up_and_the_referent_sees_them(signup_server_db, browser, tmp_path):
    with running_server(signup_server_db, tmp_path / "serve.log") as base:
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        outside: list[str] = []
        local = re.compile(r"^(https?|wss?)://127\.0\.0\.1:\d+/|^(data|blob|about):")
        context.on("request", lambda r: None if local.match(r.url) else outside.append(r.url))
        page = context.new_page()
        page.add_init_script("window.__pwned = undefined")

        page.goto(f"{base}/auth/login")
        page.get_by_role("link", name="Pas encore de compte ? S'inscrire").click()
        page.get_by_label("Adresse de votre domicile").wait_for(timeout=WAIT_MS)
        page.get_by_label("Adresse de votre domicile").fill("12 rue des Tilleuls")
        page.get_by_label("Adresse de votre domicile").press("Enter")
        page.get_by_label("Choisissez votre adresse dans la liste").click(timeout=WAIT_MS)
        page.get_by_role("option", name=re.compile(r"^12 Rue des Tilleuls")).click()
        page.get_by_text("Votre secteur : Secteur").wait_for(timeout=WAIT_MS)
        frame = page.frame_locator("iframe[title*='streamlit_folium']").first
        frame.locator("path.leaflet-interactive").nth(1).wait_for(timeout=WAIT_MS)  # the outline and my sector
        assert frame.locator("path.leaflet-interactive").count() == 2  # no other sector shown
        page.get_by_text("et je l'accepte").click()
        page.get_by_label("Nom ou prénom", exact=True).fill(NAME)
        page.get_by_label("E-mail", exact=True).fill(EMAIL)
        page.get_by_role("button", name="Demander mon inscription").click()
        page.get_by_text("Inscription en attente de vérification").wait_for(timeout=WAIT_MS)
        page.get_by_role("link", name="J'ai reçu mon code : choisir mon mot de passe").wait_for(timeout=WAIT_MS)

        page.goto(f"{base}/inscriptoin")
        page.get_by_text("Page introuvable").first.wait_for(timeout=WAIT_MS)
        assert page.get_by_text("Page not found").count() == 0
        assert page.evaluate("window.__pwned") is None
        assert outside == []
        context.close()

        referent, desk, away = _staff_page(browser, base, REFERENT)
        desk.add_init_script("window.__pwned = undefined")
        desk.goto(f"{base}/verifications")
        desk.get_by_text(NAME, exact=False).first.wait_for(timeout=WAIT_MS)  # shown as typed, inert
        assert desk.get_by_text("12 Rue des Tilleuls", exact=False).count() >= 1
        assert all(f.evaluate("window.__pwned === undefined || window.__pwned === null") for f in desk.frames)
        assert away == []
        referent.close()
