"""The resident's live page in a real browser (Debian's chromium, Playwright) against ``voisinage serve``.

Issue 13 item 7: an alert published in sector 0 appears in the list of « Mon secteur » and in the unread badge of
a member of that sector without a reload (the 2 s target is measured by the bench, the latencies are printed
here); a member of sector 1 sees neither change. The « Entraide »
page and the referent's « Carte de mes secteurs » are painted.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Iterator
from typing import Any

import pytest
from app_support import browser_sign_in, database_apart, running_server, services_on

from data.demo_accounts import DEMO_ACCOUNTS

RESIDENT, OTHER = DEMO_ACCOUNTS[0], DEMO_ACCOUNTS[1]  # sectors 0 and 1
AUTHOR = next(a for a in DEMO_ACCOUNTS if a.email == "voisine@demo.voisinage.fr")  # sector 0, verified
WAIT_MS = 90_000  # generous: the machine is shared
LATENCIES: dict[str, list[float]] = {"list": [], "badge": []}


@pytest.fixture(scope="module")
def resident_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A demo database of its own (the alerts posted here stay out of the other tests)."""
    from services import reset_engine

    url = database_apart(tmp_path_factory.mktemp("resident"))
    try:
        yield url
    finally:
        reset_engine()


@pytest.fixture(scope="module")
def server(resident_db: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with running_server(resident_db, tmp_path_factory.mktemp("serve") / "serve.log") as base:
        yield base


def _publish(db_url: str, text: str) -> float:
    """A verified resident of sector 0 posts (published at once); returns the moment it was committed."""
    from services import alerts, reset_engine, unit_of_work
    from services.auth import act_for
    from store.schema import Member

    try:
        with services_on(db_url):
            author = act_for(AUTHOR.email, operator="tests")
            with unit_of_work() as session:
                home = session.query(Member).filter_by(email=AUTHOR.email).one()
                lon, lat = home.lon, home.lat
            posted = alerts.post(author, category="degradation", text=text, lon=lon, lat=lat, confirm_new=True)
            done = time.monotonic()
        assert posted.status == "published"
        return done
    finally:
        reset_engine()


def _badge(page: Any) -> str:
    return str(page.locator("section[data-testid='stSidebar']").inner_text())


def test_publication_reaches_the_list_and_the_badge_without_reload_in_the_sector_only(server, browser, resident_db):
    here, elsewhere = browser.new_context(), browser.new_context()
    mine, other = here.new_page(), elsewhere.new_page()
    browser_sign_in(mine, server, RESIDENT.email, RESIDENT.password, timeout_ms=WAIT_MS)
    browser_sign_in(other, server, OTHER.email, OTHER.password, timeout_ms=WAIT_MS)
    # The member of sector 1 reads « Mon secteur » once (the demo's own alerts of sector 1 are then read), then
    # watches the badge from « Mon compte » (a visit to « Mon secteur » would mark all read again).
    other.get_by_text("Alertes (").wait_for(timeout=WAIT_MS)
    other.get_by_text("Aucun nouveau message").wait_for(timeout=WAIT_MS)
    other.goto(f"{server}/compte")
    other.get_by_text("Aucun nouveau message").wait_for(timeout=WAIT_MS)
    mine.get_by_text("Alertes (").wait_for(timeout=WAIT_MS)
    mine.get_by_text("Aucun nouveau message").wait_for(timeout=WAIT_MS)  # opening the page marked all read
    texts = [f"Poubelle renversée numéro {i} au coin de la rue, déchets sur le trottoir." for i in range(5)]
    for count, text in enumerate(texts, start=1):
        mine.wait_for_timeout(3000)  # let the previous full rerun (the map drawn again) settle
        published = _publish(resident_db, text)
        # Poll the page itself (every 50 ms): the list, then the badge.
        seen: dict[str, float] = {}
        expected = f"{count} nouveau"
        deadline = time.monotonic() + 30
        while len(seen) < 2 and time.monotonic() < deadline:
            if "list" not in seen and mine.get_by_text(text).count():
                seen["list"] = time.monotonic() - published
            if "badge" not in seen and expected in _badge(mine):
                seen["badge"] = time.monotonic() - published
            mine.wait_for_timeout(50)
        assert set(seen) == {"list", "badge"}, (seen, _badge(mine))
        for key, value in seen.items():
            LATENCIES[key].append(value)
    print(
        "live latency (s): "
        + ", ".join(f"{k} median {statistics.median(v):.2f} max {max(v):.2f}" for k, v in LATENCIES.items())
    )
    # Speed is measured by the bench (bench_app), not asserted here: on a shared 2-core machine a test can only
    # require the update to come by itself, without a reload (30 s above).
    # The member of sector 1: their badge never moved, and their feed has none of these alerts.
    assert "Aucun nouveau message" in _badge(other)
    other.goto(f"{server}/")
    other.get_by_text("Alertes (").wait_for(timeout=WAIT_MS)
    other.wait_for_timeout(3000)  # a few ticks of the live list
    assert all(other.get_by_text(text).count() == 0 for text in texts)
    # The map of sector 0 was drawn again with the new alerts.
    frame = mine.frame_locator("iframe[title*='streamlit_folium']")
    frame.locator("path.leaflet-interactive").first.wait_for(timeout=WAIT_MS)
    here.close()
    elsewhere.close()


@pytest.fixture(scope="module")
def hostile_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A demo database of its own whose alert texts, places, sector names and in-app messages (an offer of help
    among them) are payloads of the XSS corpus (written in SQL: the text policy would refuse some at the door)."""
    import sqlite3

    from xss_corpus import PAYLOADS

    from services import reset_engine

    url = database_apart(tmp_path_factory.mktemp("hostile-resident"))
    try:
        with sqlite3.connect(url.removeprefix("sqlite:///")) as db:
            alert_ids = [r[0] for r in db.execute("SELECT id FROM alerts ORDER BY id")]
            sector_ids = [r[0] for r in db.execute("SELECT id FROM sectors ORDER BY id")]
            inapp = [r[0] for r in db.execute("SELECT id FROM outbox WHERE channel = 'inapp' ORDER BY id")]
            slots = len(alert_ids) + len(sector_ids) + len(inapp)
            chunks = [" ".join(PAYLOADS[i::slots]) for i in range(slots)]
            assert all(chunks) and sum(len(c.split(" ")) for c in chunks) >= len(PAYLOADS)
            for n, aid in enumerate(alert_ids):
                db.execute(
                    "UPDATE alerts SET text = ?, address_text = ?, display_label = ? WHERE id = ?",
                    (chunks[n][:2000], chunks[n][:300], chunks[n][:200], aid),
                )
            for n, sid in enumerate(sector_ids):
                db.execute("UPDATE sectors SET name = ? WHERE id = ?", (chunks[len(alert_ids) + n][:200], sid))
            for n, oid in enumerate(inapp):
                chunk = chunks[len(alert_ids) + len(sector_ids) + n]
                db.execute(
                    "UPDATE outbox SET kind = 'help_offer', body = ?, subject = ?, read_at = NULL WHERE id = ?",
                    (chunk, chunk[:300], oid),
                )
        yield url
    finally:
        reset_engine()


def _clean(page: Any) -> bool:
    return all(f.evaluate("window.__pwned === undefined || window.__pwned === null") for f in page.frames)


def test_the_xss_corpus_through_the_resident_pages(hostile_db, browser, tmp_path):
    from data.demo_accounts import current_code

    referent = next(a for a in DEMO_ACCOUNTS if a.role.value == "referent")
    with running_server(hostile_db, tmp_path / "serve.log") as base:
        for account, paths in (
            (RESIDENT, ["entraide", "compte", ""]),
            (referent, ["entraide", "carte_secteurs", ""]),
        ):
            context = browser.new_context()
            page = context.new_page()
            page.add_init_script("window.__pwned = undefined")
            page.goto(f"{base}/auth/login")
            page.fill("#email", account.email)
            page.fill("#password", account.password)
            if account.totp_secret:
                page.fill("#totp", current_code(account))
            page.click("button[type=submit]")
            page.wait_for_url(f"{base}/", timeout=WAIT_MS)
            for path in paths:
                page.goto(f"{base}/{path}")
                page.get_by_role("heading").first.wait_for(timeout=WAIT_MS)
                page.get_by_text("nouveau", exact=False).first.wait_for(timeout=WAIT_MS)  # the badge is drawn
                page.wait_for_timeout(2500)  # the live fragments tick, the map paints
                assert _clean(page), (account.email, path)
            context.close()
