"""PostgreSQL restarted (``pg_ctl restart -m fast``) during a burst of 1,000 alerts, with a dispatcher running:
0 alerts lost, 0 messages lost.

The burst runs on a throwaway cluster of its own (restarting the session's cluster would cut the other tests'
connections). Posters retry on a connection error as a client would, with the same idempotency key (a post whose
answer was lost is not posted twice); the dispatcher rides through the restart. Then: every acknowledged alert is
stored exactly once, every stored alert has its outbox rows (written in its own transaction), and every e-mail of
the outbox reached the SMTP server (repeats, of messages in flight at the restart, carry the same Message-ID and
are counted, not failed).
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from datetime import timedelta

import pytest
from alerts_support import BOURAY, build_world, inner_point, who
from notify_support import SmtpSink, config
from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError

import notify
from alerts import AlertConfig, post_alert
from notify import Dispatcher
from store import bind_commune, make_engine, transaction, upgrade
from store.schema import Alert, OutboxMessage
from store.throwaway import ClusterError, ThrowawayCluster

ALERTS = 1000
POSTERS = 4
RESTART_AFTER = 300
LOOSE = AlertConfig(rate_posts=10**6, duplicate_radius_m=0.0, duplicate_window=timedelta(seconds=0))


@pytest.fixture
def cluster():
    try:
        own = ThrowawayCluster(dbname="voisinage_restart").start()
    except ClusterError as exc:
        pytest.skip(f"PostGIS unavailable: {exc}")
    yield own
    own.stop()


def _poster(engine, actor, lonlat, indexes, acknowledged: dict[str, int], retries: Counter, lock) -> None:
    lon, lat = lonlat
    for i in indexes:
        key = f"rafale-{i}"
        while True:
            try:
                result = post_alert(engine, actor, category="vol", text=f"Vélo volé devant le portail (rafale {i}).",
                                    lon=lon, lat=lat, key=key, confirm_new=True, config=LOOSE)  # fmt: skip
            except DBAPIError:  # the server went away: try again, as a client would, with the same key
                with lock:
                    retries["post"] += 1
                time.sleep(0.2)
                continue
            with lock:
                acknowledged[key] = result.alert_id
            break


def test_postgres_restart_during_a_burst_loses_no_alert_and_no_message(cluster, shared_file) -> None:
    engine = make_engine(cluster.url)
    upgrade(engine)
    smtp = SmtpSink().start()
    c = config(smtp, lease_seconds=3.0, poll_seconds=0.2, backoff_seconds=0.2, backoff_max_seconds=1.0)
    notify.configure(c)
    notify.register_hooks()
    world = build_world(engine, shared_file)
    actor = who(engine, "bob@a.fr")
    lonlat = inner_point(world["geoms"][(BOURAY, "A1")])
    dispatcher = Dispatcher(engine, c, rng=random.Random(1))
    stop = threading.Event()
    crashed: list[BaseException] = []

    def dispatch() -> None:
        try:
            dispatcher.run(stop)
        except BaseException as exc:  # reported by the assertion below
            crashed.append(exc)
            raise

    running = threading.Thread(target=dispatch, daemon=True)
    running.start()
    acknowledged: dict[str, int] = {}
    retries: Counter = Counter()
    lock = threading.Lock()
    shared = (acknowledged, retries, lock)
    posters = [
        threading.Thread(target=_poster, args=(engine, actor, lonlat, range(k, ALERTS, POSTERS), *shared), daemon=True)
        for k in range(POSTERS)
    ]
    try:
        for t in posters:
            t.start()
        deadline = time.monotonic() + 600
        while len(acknowledged) < RESTART_AFTER and time.monotonic() < deadline:
            time.sleep(0.05)
        sent_before = len(smtp.raw)
        cluster.restart()
        for t in posters:
            t.join(900)
        assert not any(t.is_alive() for t in posters), "posting did not finish"
        # The dispatcher drains the outbox (rows claimed before the restart come back after their lease).
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            with transaction(engine) as s:
                bind_commune(s, world["bouray_id"])
                left = s.scalar(
                    select(func.count()).where(OutboxMessage.channel == "email", OutboxMessage.status != "sent")
                )
            if left == 0 or crashed:
                break
            time.sleep(0.5)
    finally:
        stop.set()
        running.join(60)
        smtp.stop()
    assert running.is_alive() is False and not crashed, crashed
    with transaction(engine) as s:
        bind_commune(s, world["bouray_id"])
        stored = dict(s.execute(select(Alert.idempotency_key, Alert.id)).all())
        outbox = s.execute(select(OutboxMessage.id, OutboxMessage.dedup_key, OutboxMessage.channel,
                                  OutboxMessage.status, OutboxMessage.alert_id)).all()  # fmt: skip
    # 0 alerts lost: every acknowledged alert is stored, once (retries reused their key).
    assert len(acknowledged) == ALERTS
    assert {k: stored.get(k) for k in acknowledged} == acknowledged
    assert len(stored) == ALERTS
    # Every stored alert has its messages (the outbox is written in the alert's transaction).
    told = {r.alert_id for r in outbox if r.channel == "inapp"}
    assert set(stored.values()) <= told
    # 0 messages lost: every e-mail of the outbox was sent and reached the SMTP server.
    emails = [r for r in outbox if r.channel == "email"]
    assert emails and {r.status for r in emails} == {"sent"}
    received = Counter(smtp.message_ids())
    wanted = {notify.message_id(r.id, r.dedup_key, c.smtp_from) for r in emails}
    assert set(received) == wanted
    repeats = sum(n - 1 for n in received.values())
    print(f"\nPostgreSQL restarted after {RESTART_AFTER} of {ALERTS} alerts ({sent_before} e-mails sent by then): "
          f"{len(stored)} alerts stored, {len(emails)} e-mails, {repeats} repeated (same Message-ID), 0 lost; "
          f"{retries['post']} posts retried")  # fmt: skip
    engine.dispose()
