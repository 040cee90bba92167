"""What every command shares: the database chosen with ``--db``, French error reporting, progress bars.

Nothing heavy is imported here: ``voisinage --help`` must start in well under half a second.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from functools import wraps
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar, overload

import typer

from cli._output import clean, note
from gis._errors import InputError

if TYPE_CHECKING:
    from sqlalchemy import Engine
    from tqdm import tqdm

P = ParamSpec("P")
R = TypeVar("R")

EXIT_BAD_INPUT = 2


@dataclass
class CliState:
    db_url: str | None = None

    def engine(self) -> Engine:
        """The services' engine for the chosen database (commands call services; kept for older callers)."""
        from services._core import engine

        return engine(self.db_url)


def state(ctx: typer.Context) -> CliState:
    """The shared state of the running command."""
    root = ctx.find_root()
    if not isinstance(root.obj, CliState):
        root.obj = CliState()
    return root.obj


def fail(message: str) -> typer.Exit:
    """Print ``message`` on stderr and return the exit for bad input (raise it)."""
    note(f"Erreur : {message}")
    return typer.Exit(EXIT_BAD_INPUT)


def options_of(func: Callable[..., Any], aliases: dict[str, str] | None = None) -> dict[str, str]:
    """``{field: "--option"}`` for a command function: each option's first long flag, plus ``aliases`` mapping a
    service field to a parameter (``audience="role"``). Arguments are not named: the value shows which."""
    import inspect
    import typing

    from typer.models import OptionInfo

    found: dict[str, str] = {}
    try:
        hints = typing.get_type_hints(func, include_extras=True)
    except NameError:  # a hint only importable when type checking
        hints = {}
    for name, param in inspect.signature(func).parameters.items():
        infos = [param.default, *getattr(hints.get(name), "__metadata__", ())]
        for info in infos:
            if isinstance(info, OptionInfo):
                # In ``Annotated[..., typer.Option("--lieu")]`` the first flag arrives as the default.
                first = [info.default] if isinstance(info.default, str) and info.default.startswith("--") else []
                flags = [d for d in [*first, *(info.param_decls or ())] if d.startswith("--")]
                found[name] = flags[0] if flags else f"--{name.replace('_', '-')}"
    for field, name in (aliases or {}).items():
        if name in found:
            found[field] = found[name]
    return found


def _message(exc: InputError, options: Mapping[str, str]) -> str:
    option = options.get(exc.field or "")
    if option is None and exc.field is not None:
        option = next((o for o in options.values() if o == f"--{exc.field.replace('_', '-')}"), None)
    return f"{exc}\n  (option concernée : {option})" if option else str(exc)


@contextmanager
def user_errors(options: Mapping[str, str] | None = None) -> Iterator[None]:
    """Turn :class:`gis.InputError` into a French message on stderr and exit status 2.

    ``options`` maps an error's ``field`` to the command's option (``{"confirm_new": "--nouvelle"}``): the
    domain names no option, the command adds which of its options to change. A bad setting or an unusable
    database is a French message too (:func:`services._errors.explain`).
    """
    try:
        yield
    except InputError as exc:
        raise fail(_message(exc, options or {})) from exc
    except Exception as exc:
        from services._errors import explain

        reason = explain(exc)
        if reason is None:
            raise
        raise fail(reason) from exc


@overload
def reports_errors(func: Callable[P, R], /) -> Callable[P, R]: ...
@overload
def reports_errors(**aliases: str) -> Callable[[Callable[P, R]], Callable[P, R]]: ...
def reports_errors(func: Callable[P, R] | None = None, /, **aliases: str) -> Any:
    """Decorator form of :func:`user_errors` for a command: ``@reports_errors`` or
    ``@reports_errors(audience="role")`` when a service field is named differently from the option."""

    def decorate(command: Callable[P, R]) -> Callable[P, R]:
        options: dict[str, str] | None = None

        @wraps(command)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            nonlocal options
            if options is None:
                options = options_of(command, aliases)
            with user_errors(options):
                return command(*args, **kwargs)

        return wrapper

    return decorate(func) if func is not None else decorate


def reports_errors_as(options: Mapping[str, str]) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Like :func:`reports_errors`, naming the command's option for an error's ``field`` (see :func:`user_errors`)."""

    def decorate(func: Callable[P, R]) -> Callable[P, R]:
        known: dict[str, str] | None = None

        @wraps(func)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            nonlocal known
            if known is None:
                known = {**options_of(func), **options}
            with user_errors(known):
                return func(*args, **kwargs)

        return wrapper

    return decorate


def progress_bar(**kwargs: Any) -> tqdm:
    """A progress bar on stderr, shown only when stderr is a terminal (quiet in logs, pipes and CI)."""
    from tqdm import tqdm

    kwargs.setdefault("file", sys.stderr)
    kwargs.setdefault("leave", False)
    kwargs.setdefault("disable", None)
    return tqdm(**kwargs)


def out(text: str) -> None:
    """Write text on stdout, its control characters escaped except line breaks and tabs (prefer
    :mod:`cli._output`, which escapes those too in each cell)."""
    sys.stdout.write("\n".join("\t".join(clean(c) for c in line.split("\t")) for line in text.split("\n")) + "\n")
