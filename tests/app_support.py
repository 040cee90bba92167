"""The browser tests' helpers live in :mod:`server._process` (shared with ``make bench``); :func:`services_on`
points this process's services at a test's database for a block."""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from server._process import browser_sign_in, build_database, chromium_path, free_port, running_server


@contextmanager
def services_on(url: str | None) -> Iterator[str | None]:
    """Inside the block, every service of this process uses the database at ``url`` (None: the setting's);
    the choice made before the block (the CLI's ``--db``, another test's) comes back after, even on error, and
    whatever the block chose meanwhile (a CLI run inside it) is forgotten."""
    from services._core import _chosen_url

    previous = _chosen_url[0]
    _chosen_url[0] = url
    try:
        yield url
    finally:
        _chosen_url[0] = previous


def database_apart(folder: Path) -> str:
    """A demo database of a test's own (:func:`build_database`), leaving the services' choice as it was: building
    runs the CLI in this process, which would otherwise point the services at it."""
    with services_on(None):
        return build_database(folder)


__all__ = [
    "browser_sign_in",
    "build_database",
    "chromium_path",
    "database_apart",
    "free_port",
    "running_server",
    "services_on",
]
