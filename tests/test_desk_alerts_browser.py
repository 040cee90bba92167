"""« Alertes reçues » in a real browser (Debian's chromium, Playwright) against ``voisinage serve``: the gendarmerie
takes an alert into account and gives its feedback; the mairie closes the access and the page is gone (the open
page refuses at its next action, the navigation no longer lists it); not one request leaves 127.0.0.1.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from app_support import build_database, running_server
from test_staff_browser import WAIT_MS, _staff_page
from test_staff_pages import GENDARMERIE

FEEDBACK = "Patrouille passée à 22 h, rien constaté."


@pytest.fixture(scope="module")
def desk_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A demo database of its own, the gendarmerie's access open."""
    from services import Actor, gendarmerie, reset_engine
    from services._core import _chosen_url
    from store.schema import Role

    previous = _chosen_url[0]
    url = build_database(tmp_path_factory.mktemp("desk"))  # runs the CLI in this process: sets the database
    _chosen_url[0] = url
    try:
        gendarmerie.open_access(Actor(role=Role.MAIRIE_ADMIN, commune_id=1), "91999", reason="essai")
        yield url
    finally:
        _chosen_url[0] = previous
        reset_engine()


@pytest.fixture(scope="module")
def desk_server(desk_db: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with running_server(desk_db, tmp_path_factory.mktemp("serve") / "serve.log") as base:
        yield base


def _as_services(url: str):  # the services of this process, on the server's database
    from services._core import _chosen_url

    _chosen_url[0] = url


def test_gendarmerie_acknowledges_gives_feedback_and_loses_the_page(desk_server, desk_db, browser):
    from services import Actor, alert_desk, alerts, gendarmerie
    from services.auth import member_actor
    from store.schema import Role

    _as_services(desk_db)
    gend = member_actor(GENDARMERIE.email)
    waiting = [i.view.id for i in alert_desk.inbox(gend) if i.view.status == "published"]
    assert len(waiting) >= 2, "the demo needs two security alerts not yet taken into account"
    first, second = waiting[:2]

    context, page, outside = _staff_page(browser, desk_server, GENDARMERIE)
    page.get_by_role("link", name="Alertes reçues").first.wait_for(timeout=WAIT_MS)
    page.goto(f"{desk_server}/alertes_recues")
    page.locator(f".st-key-ack-{first} button").click(timeout=WAIT_MS)
    page.locator(f".st-key-ack-{first}").wait_for(state="detached", timeout=WAIT_MS)  # taken into account
    assert alerts.get(gend, first).status == "acknowledged"
    page.locator(f".st-key-feedback-{first} input").fill(FEEDBACK, timeout=WAIT_MS)
    page.locator(f".st-key-feedback-{first} input").press("Enter")
    page.locator(f".st-key-close-{first} button").click(timeout=WAIT_MS)
    page.get_by_text(f"Retour : {FEEDBACK}").first.wait_for(timeout=WAIT_MS)
    closed = alerts.get(gend, first)
    assert closed.status == "closed"
    assert next(i for i in alert_desk.inbox(gend) if i.view.id == first).feedback == FEEDBACK

    gendarmerie.close_access(Actor(role=Role.MAIRIE_ADMIN, commune_id=1), "91999", reason="fin de l'essai")
    # The open page's next run (any click) goes through the router again: the page and its link are gone.
    page.locator(f".st-key-ack-{second} button").click(timeout=WAIT_MS)
    page.get_by_role("link", name="Alertes reçues").first.wait_for(state="detached", timeout=WAIT_MS)
    page.locator(f".st-key-ack-{second}").wait_for(state="detached", timeout=WAIT_MS)
    assert page.get_by_text(FEEDBACK).count() == 0
    assert alerts.get(member_actor("admin@demo.voisinage.fr"), second).status == "published"
    page.reload()
    page.get_by_text("Mon secteur").first.wait_for(timeout=WAIT_MS)
    assert page.get_by_text("Alertes reçues").count() == 0
    assert outside == []
    context.close()
