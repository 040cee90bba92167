"""A pooled PostGIS connection the server has closed is never handed to a unit of work (no pre-ping either).

The engine checks an idle connection at check-out without a round trip (``store._engine._alive_on_checkout``):
here the application's backends are terminated from the owner's connection (``pg_terminate_backend``, what a
server restart does to every backend), then a post and a read go through without the member seeing an error.
"""

from __future__ import annotations

import time

from alerts_support import BOURAY, build_world, inner_point, who
from sqlalchemy import Engine, event, text

from alerts import AlertConfig, feed, post_alert
from store import transaction

LOOSE = AlertConfig(duplicate_radius_m=0.0)


def _app_backends(owner: Engine, app: Engine) -> set[int]:
    with owner.connect() as conn:
        rows = conn.execute(
            text("SELECT pid FROM pg_stat_activity WHERE usename = :user AND datname = current_database()"),
            {"user": app.url.username},
        )
        return {r.pid for r in rows}


def _terminate_all(owner: Engine, app: Engine) -> set[int]:
    """Terminate every backend of the application's role, and wait until they are gone."""
    pids = _app_backends(owner, app)
    with owner.connect() as conn:
        for pid in pids:
            conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    deadline = time.monotonic() + 30
    while _app_backends(owner, app) & pids and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _app_backends(owner, app) & pids, "the backends did not go away"
    return pids


def test_post_and_feed_after_the_backends_were_terminated(postgis_owner_engine, postgis_app_engine, shared_file):
    app = postgis_app_engine
    world = build_world(app, shared_file)
    bob = who(app, "bob@a.fr")
    lon, lat = inner_point(world["geoms"][(BOURAY, "C3")])
    first = post_alert(app, bob, category="vol", text="Vélo volé devant la mairie.", lon=lon, lat=lat, config=LOOSE)
    assert first.created
    killed = _terminate_all(postgis_owner_engine, app)
    assert killed, "the pool held no connection to terminate"
    # The pooled connections are dead: the next units of work get fresh ones, the member sees no error.
    second = post_alert(app, bob, category="vol", text="Deuxième vélo volé, rue de la gare.", lon=lon, lat=lat,
                        confirm_new=True, config=LOOSE)  # fmt: skip
    assert second.created and second.alert_id != first.alert_id
    assert {first.alert_id, second.alert_id} <= {a["id"] for a in feed(app, bob)}
    assert not _app_backends(postgis_owner_engine, app) & killed


def test_a_live_pooled_connection_is_kept_and_no_ping_is_sent(postgis_app_engine):
    """The check costs no statement: a live connection is reused as it is, and only the work's statements run."""
    app = postgis_app_engine
    with transaction(app) as s:
        pid = s.scalar(text("SELECT pg_backend_pid()"))
    sent: list[str] = []
    event.listen(app, "before_cursor_execute", lambda _c, _cur, statement, *_a: sent.append(statement))
    pings: list[object] = []
    # SQLAlchemy's pre-ping goes through the dialect's do_ping: none may happen.
    original = app.dialect.do_ping

    def counted(conn: object) -> bool:
        pings.append(conn)
        return original(conn)

    app.dialect.do_ping = counted
    try:
        with transaction(app) as s:
            assert s.scalar(text("SELECT pg_backend_pid()")) == pid
    finally:
        app.dialect.do_ping = original
    assert sent == ["SELECT pg_backend_pid()"]
    assert pings == []


def test_a_terminated_pooled_connection_is_replaced_at_check_out(postgis_owner_engine, postgis_app_engine):
    app = postgis_app_engine
    with transaction(app) as s:
        pid = s.scalar(text("SELECT pg_backend_pid()"))
    _terminate_all(postgis_owner_engine, app)
    with transaction(app) as s:
        assert s.scalar(text("SELECT pg_backend_pid()")) != pid
