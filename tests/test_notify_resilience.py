"""Nothing lost, nothing twice: the SMTP server down for 30 s then back, the dispatcher SIGKILLed in the middle
of 1,000 messages then restarted, two dispatchers at once on PostGIS. Real servers, real processes."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter

import pytest
from alerts_support import BOURAY, T0, build_world, inner_point, who
from notify_support import SmtpSink, add_residents, config
from sqlalchemy import select

import notify
from alerts import post_alert
from notify import Dispatcher
from settings import PROJECT_ROOT
from store import bind_commune, transaction
from store.schema import OutboxMessage

pytestmark = pytest.mark.slow


def _world(engine, shared_file):
    notify.configure(config())
    notify.register_hooks()
    return build_world(engine, shared_file)


def _publish(world, text="Vélo volé devant le portail cette nuit.") -> int:
    lon, lat = inner_point(world["geoms"][(BOURAY, "A1")])
    return post_alert(
        world["engine"], who(world["engine"], "bob@a.fr"), category="vol", text=text, lon=lon, lat=lat, now=T0
    ).alert_id


def _emails(world) -> list[OutboxMessage]:
    with transaction(world["engine"]) as s:
        bind_commune(s, world["bouray_id"])
        return s.scalars(select(OutboxMessage).where(OutboxMessage.channel == "email")).all()


def test_smtp_down_for_30_seconds_then_back_every_message_delivered_once(sqlite_engine, shared_file) -> None:
    world = _world(sqlite_engine, shared_file)
    smtp = SmtpSink()  # its port stays free: connections are refused while it is "down"
    _publish(world)
    expected = sorted(r.recipient for r in _emails(world))
    assert expected
    dispatcher = Dispatcher(sqlite_engine, config(smtp, max_attempts=1000), rng=random.Random(3))
    stop = threading.Event()
    runner = threading.Thread(target=dispatcher.run, args=(stop,), daemon=True)
    runner.start()
    time.sleep(30)
    assert all(r.status in ("pending", "sending") and r.attempts >= 2 for r in _emails(world))  # retrying
    smtp.start()
    try:
        assert smtp.wait_for(len(expected), timeout=30)
        time.sleep(1.5)  # anything sent twice would show now
    finally:
        stop.set()
        runner.join(10)
        smtp.stop()
    assert sorted(smtp.recipients()) == expected
    assert {r.status for r in _emails(world)} == {"sent"}


def _dispatch_process(url: str, smtp: SmtpSink, *args: str) -> subprocess.Popen:
    env = os.environ | {
        "VOISINAGE_DATABASE_URL": url,
        "VOISINAGE_SMTP_HOST": "127.0.0.1",
        "VOISINAGE_SMTP_PORT": str(smtp.port),
        "VOISINAGE_SMTP_TLS": "none",
        "VOISINAGE_NOTIFY_LEASE_SECONDS": "3",
        "VOISINAGE_NOTIFY_BATCH": "50",
        "VOISINAGE_NOTIFY_POLL_SECONDS": "0.2",
        "VOISINAGE_PUBLIC_URL": "https://voisinage.example",
    }
    code = "from cli import main; main()"
    return subprocess.Popen([sys.executable, "-c", code, "dispatch", *args], cwd=PROJECT_ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip


def test_dispatcher_killed_mid_burst_loses_nothing_and_repeats_only_in_flight(sqlite_url, shared_file) -> None:
    from store import make_engine

    engine = make_engine(sqlite_url)
    world = _world(engine, shared_file)
    add_residents(engine, world["bouray_id"], 1000)
    _publish(world)
    rows = _emails(world)
    assert len(rows) >= 1000
    smtp = SmtpSink().start()
    try:
        first = _dispatch_process(sqlite_url, smtp)
        assert smtp.wait_for(300, timeout=120), first.stderr.read() if first.poll() is not None else "slow"
        first.send_signal(signal.SIGKILL)
        first.wait(10)
        at_kill = len(smtp.messages)
        assert at_kill < len(rows), "the dispatcher finished before it was killed: nothing was tested"
        time.sleep(3.5)  # the killed dispatcher's lease runs out
        again = _dispatch_process(sqlite_url, smtp, "--once")
        _, err = again.communicate(timeout=300)
        assert again.returncode == 0, err.decode()
    finally:
        smtp.stop()
    ids = Counter(smtp.message_ids())
    wanted = {notify.message_id(r.id, r.dedup_key, config().smtp_from) for r in rows}
    repeats = sum(n - 1 for n in ids.values())
    print(f"\nSIGKILL after {at_kill} of {len(rows)} messages: {repeats} repeated (same Message-ID), 0 lost")
    assert set(ids) == wanted  # 0 lost, nothing foreign
    assert repeats <= 50  # at most the batch in flight
    assert {r.status for r in _emails(world)} == {"sent"}
    engine.dispose()


def test_two_dispatchers_at_once_on_postgis_never_send_twice(postgis_engine, shared_file) -> None:
    world = _world(postgis_engine, shared_file)
    add_residents(postgis_engine, world["bouray_id"], 600)
    _publish(world)
    rows = _emails(world)
    smtp = SmtpSink().start()
    try:
        dispatchers = [Dispatcher(postgis_engine, config(smtp, batch=20), rng=random.Random(i)) for i in range(2)]
        reports: list = []
        threads = [threading.Thread(target=lambda d=d: reports.append(d.run_once())) for d in dispatchers]
        for t in threads:
            t.start()
        for t in threads:
            t.join(300)
    finally:
        smtp.stop()
    ids = Counter(smtp.message_ids())
    assert len(ids) == len(rows) and max(ids.values()) == 1
    assert all(r.sent["email"] > 0 for r in reports), "both dispatchers took part"
