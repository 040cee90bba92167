"""Binding a unit of work to its commune on PostGIS: the ``BEGIN`` and the ``SET LOCAL`` travel together.

``store.bind_commune`` as the first statement of a transaction sends ``BEGIN; SET LOCAL ...`` in one round trip
through the driver (psycopg would send its own ``BEGIN`` otherwise). Row-level security stays as strict: the
commune's rows only, nothing once the transaction ends (commit or rollback) on the same pooled connection, and
a binding later in a transaction, or under another isolation level, takes the ordinary way.
"""

from __future__ import annotations

from typing import Any

import pytest
from alerts_support import BOURAY, LARDY, build_world
from sqlalchemy import Engine, event, select, text

from store import bind_commune, bind_platform, transaction
from store.schema import Commune, Member


def _members(session) -> set[str]:
    return set(session.scalars(select(Member.email)))


def _sent(engine: Engine) -> list[str]:
    statements: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda _c, _cur, statement, *_a: statements.append(statement))
    return statements


@pytest.fixture
def world(postgis_app_engine, shared_file):
    return build_world(postgis_app_engine, shared_file)


def test_first_binding_opens_the_transaction_with_it_and_ends_with_it(postgis_app_engine, world) -> None:
    app = postgis_app_engine
    sent = _sent(app)
    with transaction(app) as s:
        bind_commune(s, world["bouray_id"])
        assert sent == []  # the BEGIN and the binding went together, straight through the driver
        raw: Any = s.connection().connection.dbapi_connection
        assert raw.pgconn.transaction_status == 2  # psycopg sees the transaction open (PQTRANS_INTRANS)
        pid = s.scalar(text("SELECT pg_backend_pid()"))
        assert s.scalar(text("SELECT current_setting('voisinage.commune_id')")) == str(world["bouray_id"])
        bouray = _members(s)
        assert "bob@a.fr" in bouray and "lea@lardy.fr" not in bouray
        # Inside the transaction: a write under the binding, then the rollback undoes it.
        s.execute(text("CREATE TEMP TABLE probe (x int)"))
    # The same pooled connection, next unit of work: no binding carried over, no commune row visible.
    with transaction(app) as s:
        assert s.scalar(text("SELECT pg_backend_pid()")) == pid
        assert s.scalar(text("SELECT coalesce(current_setting('voisinage.commune_id', true), '')")) == ""
        assert _members(s) == set()
    with pytest.raises(ZeroDivisionError), transaction(app) as s:
        bind_commune(s, world["lardy_id"])
        assert _members(s) == {"lea@lardy.fr"}
        raise ZeroDivisionError
    with transaction(app) as s:
        assert s.scalar(text("SELECT pg_backend_pid()")) == pid
        assert _members(s) == set()


def test_a_binding_later_in_the_transaction_and_a_rebinding(postgis_app_engine, world) -> None:
    app = postgis_app_engine
    with transaction(app) as s:
        assert _members(s) == set()  # the transaction is open (psycopg's BEGIN): the ordinary SET LOCAL
        bind_commune(s, world["lardy_id"])
        assert _members(s) == {"lea@lardy.fr"}
        bind_commune(s, world["bouray_id"])
        assert "lea@lardy.fr" not in _members(s) and "bob@a.fr" in _members(s)
        bind_platform(s)
        assert _members(s) == set()
    with transaction(app) as s:
        bind_platform(s)
        assert _members(s) == set()
        assert {c.insee for c in s.scalars(select(Commune))} >= {BOURAY, LARDY}


def test_another_isolation_level_is_kept(postgis_app_engine, world) -> None:
    serializable = postgis_app_engine.execution_options(isolation_level="SERIALIZABLE")
    with transaction(serializable) as s:
        bind_commune(s, world["bouray_id"])
        assert s.scalar(text("SHOW transaction_isolation")) == "serializable"
        assert "bob@a.fr" in _members(s)
    with transaction(postgis_app_engine) as s:
        bind_commune(s, world["bouray_id"])
        assert s.scalar(text("SHOW transaction_isolation")) == "read committed"
