"""What every command shares: the database URL chosen with ``--db``, and French error reporting."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from functools import wraps
from typing import Any, ParamSpec, TypeVar

import typer
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError
from tqdm import tqdm

from gis import InputError
from store import make_engine

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


@contextmanager
def user_errors(options: Mapping[str, str] | None = None) -> Iterator[None]:
    """Turn :class:`gis.InputError` into a French message on stderr and exit status 2.

    ``options`` maps an error's ``field`` to the command's option (``{"confirm_new": "--nouvelle"}``): the
    domain names no option, the command adds which of its options to change.
    """
    try:
        yield
    except InputError as exc:
        option = (options or {}).get(exc.field or "")
        raise fail(f"{exc}\n  (option concernée : {option})" if option else str(exc)) from exc
    except OperationalError as exc:
        raise fail(
            "la base de données est inaccessible ou n'est pas initialisée "
            f"({exc.orig}). Lancez « voisinage db init » ou vérifiez --db."
        ) from exc


def reports_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Decorator form of :func:`user_errors` for a command."""

    @wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with user_errors():
            return func(*args, **kwargs)

    return wrapper


def reports_errors_as(options: Mapping[str, str]) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Like :func:`reports_errors`, naming the command's option for an error's ``field`` (see :func:`user_errors`)."""

    def decorate(func: Callable[P, R]) -> Callable[P, R]:
        @wraps(func)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            with user_errors(options):
                return func(*args, **kwargs)

        return wrapper

    return decorate


def progress_bar(**kwargs: Any) -> tqdm:
    """A progress bar on stderr, shown only when stderr is a terminal (quiet in logs, pipes and CI)."""
    kwargs.setdefault("file", sys.stderr)
    kwargs.setdefault("leave", False)
    kwargs.setdefault("disable", None)
    return tqdm(**kwargs)


def out(line: str) -> None:
    """Write one line of output on stdout."""
    sys.stdout.write(line + "\n")
