"""What every service shares: the process-wide engine, the unit of work, the actor, the error type."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from community._permissions import Actor
from gis._errors import InputError

if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlalchemy.orm import Session

# The one error type of the services: a French message, and ``field`` naming the input concerned.
ServiceError = InputError

_engines: dict[str, Engine] = {}
_chosen_url: list[str | None] = [None]


def use_database(url: str | None) -> None:
    """Make every service use the database at ``url`` from now on (the CLI's ``--db``, tests); None: the setting."""
    _chosen_url[0] = url


def engine(url: str | None = None) -> Engine:
    """The process-wide engine for ``url`` (default: :func:`use_database`'s choice, else the
    ``VOISINAGE_DATABASE_URL`` setting), created once."""
    from settings import get_settings
    from store import make_engine

    key = url or _chosen_url[0] or get_settings().database_url
    if key not in _engines:
        _engines[key] = make_engine(key)
        # Whatever runs on this engine must write its messages in the outbox: the hooks go in with it.
        from services._startup import start

        start()
    return _engines[key]


def reset_engine() -> None:
    """Dispose of every engine (tests, and after the settings change)."""
    for made in _engines.values():
        made.dispose()
    _engines.clear()


@contextmanager
def unit_of_work(commune_id: int | None = None, *, url: str | None = None, write: bool = True) -> Iterator[Session]:
    """One transaction: committed on success, rolled back on any error.

    With ``commune_id``, the transaction is bound to that commune (PostGIS row-level security sees only its
    rows; no-op on SQLite). ``write=False``: a read that never takes SQLite's write lock (polled reads such as
    the unread badge).
    """
    from store import bind_commune, transaction

    with transaction(engine(url), write=write) as session:
        if commune_id is not None:
            bind_commune(session, commune_id)
        yield session


__all__ = ["Actor", "ServiceError", "engine", "reset_engine", "unit_of_work", "use_database"]
