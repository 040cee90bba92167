"""What every command shares: the database URL chosen with ``--db``, and French error reporting."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import wraps
from typing import Any, ParamSpec, TypeVar

import typer
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError
from tqdm import tqdm

from gis import InputError
from store import is_busy_error, make_engine

P = ParamSpec("P")
R = TypeVar("R")

EXIT_BAD_INPUT = 2


@dataclass
class CliState:
    db_url: str | None = None
    _engine: Engine | None = None

    def engine(self) -> Engine:
        if self._engine is None:
            self._engine = make_engine(self.db_url)
        return self._engine


def state(ctx: typer.Context) -> CliState:
    """The shared state of the running command."""
    root = ctx.find_root()
    if not isinstance(root.obj, CliState):
        root.obj = CliState()
    return root.obj


def fail(message: str) -> typer.Exit:
    """Print ``message`` on stderr and return the exit for bad input (raise it)."""
    typer.echo(f"Erreur : {message}", err=True)
    return typer.Exit(EXIT_BAD_INPUT)


def database_error_message(exc: OperationalError) -> str:
    """The French message for a database that is busy, missing, not initialised or unreachable."""
    if is_busy_error(exc):
        return (
            "la base de données est occupée par une autre opération (un import d'adresses, par exemple) ; "
            "réessayez dans un instant."
        )
    if "no such table" in str(exc.orig).lower():
        return "la base de données n'est pas initialisée. Lancez « voisinage db init » ou vérifiez --db."
    return f"la base de données est inaccessible ({exc.orig}). Vérifiez --db ou VOISINAGE_DATABASE_URL."


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn :class:`gis.InputError` and database failures into a French message on stderr and exit status 2."""
    try:
        yield
    except InputError as exc:
        raise fail(str(exc)) from exc
    except OperationalError as exc:
        raise fail(database_error_message(exc)) from exc


def reports_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Decorator form of :func:`user_errors` for a command."""

    @wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with user_errors():
            return func(*args, **kwargs)

    return wrapper


def progress_bar(**kwargs: Any) -> tqdm:
    """A progress bar on stderr, shown only when stderr is a terminal (quiet in logs, pipes and CI)."""
    kwargs.setdefault("file", sys.stderr)
    kwargs.setdefault("leave", False)
    kwargs.setdefault("disable", None)
    return tqdm(**kwargs)


def out(line: str) -> None:
    """Write one line of output on stdout."""
    sys.stdout.write(line + "\n")
