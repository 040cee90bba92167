"""The alert desks in a real browser (Debian's chromium, Playwright) against ``voisinage serve``: the gendarmerie
takes an alert into account and gives its feedback; the mairie closes the access and « Alertes reçues » is gone
(the open page's next run goes through the router again, the navigation no longer lists it); the XSS corpus as
alert texts, refusal reasons, appeals, feedback, places and sector names through « Modération », « Diffusion »
and « Alertes reçues »: nothing runs. Not one request leaves 127.0.0.1.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from app_support import database_apart, running_server, services_on
from test_staff_browser import WAIT_MS, _staff_page
from test_staff_pages import ADMIN, GENDARMERIE
from xss_corpus import PAYLOADS

FEEDBACK = "Patrouille passée à 22 h, rien constaté."


@pytest.fixture(scope="module")
def desk_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A demo database of its own, the gendarmerie's access open."""
    from services import Actor, gendarmerie, reset_engine
    from store.schema import Role

    url = database_apart(tmp_path_factory.mktemp("desk"))
    try:
        with services_on(url):
            gendarmerie.open_access(Actor(role=Role.MAIRIE_ADMIN, commune_id=1), "91999", reason="essai")
            yield url
    finally:
        reset_engine()


@pytest.fixture(scope="module")
def desk_server(desk_db: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with running_server(desk_db, tmp_path_factory.mktemp("serve") / "serve.log") as base:
        yield base


@pytest.fixture
def desk_services(desk_db: str) -> Iterator[str]:
    """The services of this process on the server's database, for one test."""
    with services_on(desk_db):
        yield desk_db


def test_gendarmerie_acknowledges_gives_feedback_and_loses_the_page(desk_server, desk_services, browser):
    from services import Actor, alert_desk, alerts, gendarmerie
    from services.auth import member_actor
    from store.schema import Role

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


@pytest.fixture(scope="module")
def hostile_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A demo database of its own, the gendarmerie's access open, every text of its alerts and every sector name
    replaced by payloads of the corpus (written in SQL: the text policy would refuse some of them at the door)."""
    import sqlite3

    from services import Actor, gendarmerie, reset_engine
    from store.schema import Role

    url = database_apart(tmp_path_factory.mktemp("hostile"))
    with services_on(url):
        gendarmerie.open_access(Actor(role=Role.MAIRIE_ADMIN, commune_id=1), "91999", reason="essai")
    try:
        with sqlite3.connect(url.removeprefix("sqlite:///")) as db:
            alert_ids = [r[0] for r in db.execute("SELECT id FROM alerts ORDER BY id")]
            sector_ids = [r[0] for r in db.execute("SELECT id FROM sectors ORDER BY id")]
            slots = len(alert_ids) * 4 + len(sector_ids)
            chunks = [" ".join(PAYLOADS[i::slots]) for i in range(slots)]
            assert all(chunks) and sum(len(c.split(" ")) for c in chunks) >= len(PAYLOADS)
            for n, aid in enumerate(alert_ids):
                text, reason, appeal, feedback = chunks[4 * n : 4 * n + 4]
                status = {0: "pending", 1: "appealed"}.get(n)
                db.execute(
                    "UPDATE alerts SET text = ?, reject_reason = ?, appeal_text = ?, feedback = ?, address_text = ?,"
                    " display_label = ?, status = COALESCE(?, status) WHERE id = ?",
                    (text[:2000], reason[:1000], appeal[:2000], feedback[:2000], text[:300], appeal[:200], status, aid),
                )
            for n, sid in enumerate(sector_ids):
                db.execute("UPDATE sectors SET name = ? WHERE id = ?", (chunks[4 * len(alert_ids) + n][:200], sid))
        yield url
    finally:
        reset_engine()


def _clean(page) -> bool:
    return all(f.evaluate("window.__pwned === undefined || window.__pwned === null") for f in page.frames)


def test_the_xss_corpus_through_the_alert_desks(hostile_db, browser, tmp_path):
    with running_server(hostile_db, tmp_path / "serve.log") as base:
        context, page, outside = _staff_page(browser, base, ADMIN)
        page.add_init_script("window.__pwned = undefined")
        page.goto(f"{base}/moderation")
        page.get_by_text("Appels à trancher (").first.wait_for(timeout=WAIT_MS)
        page.get_by_text(PAYLOADS[0], exact=False).first.wait_for(timeout=WAIT_MS)  # shown as typed
        page.wait_for_timeout(1500)
        assert _clean(page)
        page.goto(f"{base}/diffusion")
        page.get_by_text("Membres atteints").first.wait_for(timeout=WAIT_MS)
        page.locator(".st-key-broadcast-sectors input").click(timeout=WAIT_MS)
        page.keyboard.press("ArrowDown")
        page.keyboard.press("Enter")  # a sector named by payloads: the reach label names it
        page.get_by_text("Destinataires : Secteurs : ").first.wait_for(timeout=WAIT_MS)
        page.wait_for_timeout(1500)
        assert _clean(page)
        context.close()
        context, page, more = _staff_page(browser, base, GENDARMERIE)
        page.add_init_script("window.__pwned = undefined")
        page.goto(f"{base}/alertes_recues")
        page.get_by_text("à prendre en compte sur").first.wait_for(timeout=WAIT_MS)
        page.get_by_role("tab", name="Message à la commune").click()
        page.get_by_text("Messages diffusés (").first.wait_for(timeout=WAIT_MS)
        page.wait_for_timeout(1500)
        assert _clean(page)
        assert outside == [] and more == []
        context.close()
