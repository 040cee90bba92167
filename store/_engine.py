"""Engine and sessions from one URL, for both backends."""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from gis._errors import InputError
from settings import get_settings
from store._text import install_guard

# Every ORM flush checks its text values against the one text policy (store/_text.py).
install_guard()


def _sqlite_pragmas(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.execute("PRAGMA busy_timeout = 5000")
    cursor.close()


def make_engine(url: str | None = None, **kwargs: Any) -> Engine:
    """Create the engine for ``url`` (default: the ``VOISINAGE_DATABASE_URL`` setting).

    SQLite files get their parent folder created and the pragmas Voisinage relies on (foreign keys, WAL).
    """
    url = url or get_settings().database_url
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if parsed.get_backend_name() == "postgresql":
        return create_engine(url, pool_pre_ping=True, **kwargs)
    raise InputError(
        f"Base de données non prise en charge : « {parsed.get_backend_name()} ». "
        "Utilisez sqlite:///chemin/fichier.sqlite3 ou postgresql+psycopg://…",
        field="db",
    )


def database_unavailable(exc: BaseException) -> str | None:
    """A French message when ``exc`` says the database cannot be used (missing, not initialised, busy), else None."""
    from sqlalchemy.exc import OperationalError

    if not isinstance(exc, OperationalError):
        return None
    if "database is locked" in str(exc.orig):
        return "la base de données est occupée par une autre opération : réessayez dans un instant."
    return (
        "la base de données est inaccessible ou n'est pas initialisée "
        f"({exc.orig}). Lancez « voisinage db init » ou vérifiez l'adresse de la base."
    )


def is_postgis(engine: Engine) -> bool:
    """Whether ``engine`` talks to PostgreSQL/PostGIS (else: embedded SQLite)."""
    return engine.dialect.name == "postgresql"


@contextmanager
def transaction(engine: Engine) -> Iterator[Session]:
    """One session in one transaction: committed on success, rolled back on any error."""
    maker = sessionmaker(engine, expire_on_commit=False)
    with maker() as session, session.begin():
        yield session


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
            # pysqlite opens no transaction before a SELECT: ours starts here, holding the write lock.
            session.execute(text("BEGIN IMMEDIATE"))
        yield session
