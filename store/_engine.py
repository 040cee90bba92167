"""Engine and sessions from one URL, for both backends."""

from __future__ import annotations

import hashlib
import select
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError, OperationalError
from sqlalchemy.orm import Session

from gis._errors import InputError
from settings import get_settings
from store._text import install_guard

# Every ORM flush checks its text values against the one text policy (store/_text.py).
install_guard()

# SQLite's messages when another connection holds the lock (SQLITE_BUSY / SQLITE_LOCKED).
_BUSY_MESSAGES = ("database is locked", "database is busy", "database table is locked")
# How many times BEGIN IMMEDIATE is retried after a full busy timeout, before the caller is told the base is busy.
SQLITE_BEGIN_RETRIES = 2
# Execution option marking a writing transaction (SQLite: BEGIN IMMEDIATE).
_WRITER = "voisinage_writer"


def is_busy_error(exc: BaseException) -> bool:
    """Whether ``exc`` says that another connection holds the embedded database's lock (wait and retry)."""
    orig = getattr(exc, "orig", exc)
    return isinstance(orig, sqlite3.OperationalError) and any(m in str(orig).lower() for m in _BUSY_MESSAGES)


def _sqlite_on_connect(busy_timeout_s: float) -> Any:
    def on_connect(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
        # The driver's own implicit BEGIN is turned off: :func:`_sqlite_begin` opens every transaction.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout_s * 1000)}")
        cursor.close()

    return on_connect


def _sqlite_begin(conn: Connection) -> None:
    """Open a transaction: ``BEGIN IMMEDIATE`` for writers (:func:`transaction`), a deferred ``BEGIN`` otherwise.

    Why: a deferred transaction that reads, then writes after another connection committed (an address import
    committing, say), fails at once with "database is locked" (its snapshot is stale; SQLite does not wait).
    Taking the write lock first makes writers queue behind each other, each waiting the busy timeout, then
    retried. Readers stay deferred (WAL lets them run beside a writer, and a read nested in a write does not
    wait for its own caller). A connection with ``isolation_level="AUTOCOMMIT"`` opens none (pragmas).
    """
    options = conn.get_execution_options()
    if options.get("isolation_level") == "AUTOCOMMIT":
        return
    if not options.get(_WRITER):
        conn.exec_driver_sql("BEGIN")
        return
    for attempt in range(SQLITE_BEGIN_RETRIES + 1):
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
            return
        except OperationalError as exc:
            if attempt == SQLITE_BEGIN_RETRIES or not is_busy_error(exc):
                raise
            time.sleep(0.1 * (attempt + 1))


def _readable(fd: int) -> bool:
    """Whether socket ``fd`` has something to read now (no waiting)."""
    if hasattr(select, "poll"):
        poller = select.poll()
        poller.register(fd, select.POLLIN)
        return bool(poller.poll(0))
    return bool(select.select([fd], [], [], 0)[0])


def _alive_on_checkout(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
    """Hand out no PostgreSQL connection the server has closed, without a round trip (instead of a pre-ping).

    A pooled connection is idle: the server sends it nothing unless it is going away. A server restart or a
    terminated backend sends a FATAL message and closes the socket, so an idle connection whose socket is readable
    (or already known broken) is discarded: the pool opens a fresh one in its place, and the unit of work never
    sees the dead connection. A pre-ping (``SELECT 1`` at each check-out) paid one round trip per unit of work
    for the same answer; a peer that vanishes without closing (a network cut) deceives both until its first
    statement.
    """
    try:
        dead = bool(dbapi_connection.closed or dbapi_connection.broken) or _readable(dbapi_connection.pgconn.socket)
    except Exception:  # the driver could not even give its socket: the connection is gone
        dead = True
    if dead:
        raise DisconnectionError("the server closed this pooled connection")


def make_engine(url: str | None = None, **kwargs: Any) -> Engine:
    """Create the engine for ``url`` (default: the ``VOISINAGE_DATABASE_URL`` setting).

    SQLite files get their parent folder created and the pragmas Voisinage relies on (foreign keys, WAL, busy
    timeout); their transactions open with ``BEGIN IMMEDIATE`` (see :func:`_sqlite_begin`).
    """
    url = url or get_settings().database_url
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_on_connect(get_settings().sqlite_busy_timeout_s))
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    if parsed.get_backend_name() == "postgresql":
        import geoalchemy2  # noqa: F401  (its DDL and type hooks, for PostGIS only)

        engine = create_engine(url, **kwargs)
        event.listen(engine.pool, "checkout", _alive_on_checkout)
        return engine
    raise InputError(
        f"Base de données non prise en charge : « {parsed.get_backend_name()} ». "
        "Utilisez sqlite:///chemin/fichier.sqlite3 ou postgresql+psycopg://…",
        field="db",
    )


def database_unavailable(exc: BaseException) -> str | None:
    """A French message when ``exc`` says the database cannot be used (busy, not initialised, unreachable), else
    None."""
    if not isinstance(exc, OperationalError):
        return None
    if is_busy_error(exc):
        return (
            "la base de données est occupée par une autre opération (un import d'adresses, par exemple) : "
            "réessayez dans un instant."
        )
    if "no such table" in str(exc.orig).lower():
        return (
            "la base de données n'est pas initialisée. Lancez « voisinage db init » ou vérifiez l'adresse de la base."
        )
    return (
        f"la base de données est inaccessible ({exc.orig}). Lancez « voisinage db init » si elle n'existe pas "
        "encore, ou vérifiez l'adresse de la base."
    )


def is_postgis(bind: Any) -> bool:
    """Whether ``bind`` (an engine, connection or session) talks to PostgreSQL/PostGIS (else: embedded SQLite).

    The one place that reads the dialect: every other package asks here (a test keeps it so).
    """
    engine = bind.get_bind() if hasattr(bind, "get_bind") else bind
    return bool(engine.dialect.name == "postgresql")


def wake_listeners(session: Any, channel: str) -> None:
    """``NOTIFY channel`` at commit on PostGIS (listeners wake up); nothing on SQLite, whose readers poll."""
    if is_postgis(session):
        session.execute(text(f"NOTIFY {channel}"))


# SQLite files whose write lock the current thread holds through an open writing transaction.
_held = threading.local()


@contextmanager
def transaction(engine: Engine, *, write: bool = True) -> Iterator[Session]:
    """One session in one transaction: committed on success, rolled back on any error.

    On SQLite a writing transaction (the default) takes the write lock when it opens (``BEGIN IMMEDIATE``,
    waiting for another writer, see :func:`_sqlite_begin`); ``write=False`` opens a deferred, read-only one.
    A transaction opened while the same thread already holds the lock (nested in a writing one) is deferred
    too: waiting for its own caller would never end.
    """
    if is_postgis(engine):
        immediate, key, held = False, "", set()
    else:
        key = engine.url.render_as_string(hide_password=False)
        held = _held.__dict__.setdefault("files", set())
        immediate = write and key not in held
    # Set either way: an engine taken from a writing session carries the option, a read must drop it.
    bind = engine if is_postgis(engine) else engine.execution_options(**{_WRITER: immediate})
    if immediate:
        held.add(key)
    try:
        # A plain Session, not a sessionmaker: each sessionmaker makes a Session subclass whose event dispatch is
        # set up again on first use (a cost paid by every unit of work).
        with Session(bind, expire_on_commit=False) as session, session.begin():
            yield session
    finally:
        if immediate:
            held.discard(key)


def _lock_id(key: str) -> int:
    """A signed 64-bit advisory lock id for ``key`` (PostgreSQL's ``pg_advisory_xact_lock`` takes a bigint)."""
    return int.from_bytes(hashlib.sha256(key.encode("utf-8")).digest()[:8], "big", signed=True)


@contextmanager
def serialised(engine: Engine, key: str) -> Iterator[Session]:
    """One transaction that runs alone among those serialised on ``key`` (read-then-write made atomic).

    PostGIS: a transaction-level advisory lock on a hash of ``key`` (other keys are not held up). SQLite:
    ``BEGIN IMMEDIATE``, the database's write lock taken at the start (SQLite has no finer lock), so keep
    the transaction short. Concurrent callers wait (SQLite's ``busy_timeout``), they do not fail.
    """
    with transaction(engine) as session:
        if is_postgis(engine):
            session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _lock_id(key)})
        else:
            # Opens the transaction now: a writing transaction starts with BEGIN IMMEDIATE (the write lock).
            session.connection()
        yield session


def upsert_insert(bind: Any) -> Any:
    """The dialect's ``insert`` construct with ``on_conflict_do_update`` (PostgreSQL or SQLite) for ``bind``
    (an engine, connection or session): the one place outside the migrations that picks it by backend."""
    from sqlalchemy.dialects import postgresql, sqlite

    return postgresql.insert if is_postgis(bind) else sqlite.insert


def wkb_column(bind: Any, column: str) -> str:
    """SQL selecting geometry ``column`` as WKB on ``bind``'s backend (PostGIS: ``ST_AsBinary``; SQLite: as stored)."""
    return f"ST_AsBinary({column})" if is_postgis(bind) else column
