"""The database itself: create it or bring its schema up to date, and provision the application's role."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from store import InitReport


def init() -> InitReport:
    """Migrate as the tables' owner, then provision the application's role on PostGIS (see ``store.init_database``).

    The application's URL is the one chosen for the services (the CLI's ``--db``) or the setting.
    """
    from services._core import _chosen_url
    from store import init_database

    return init_database(_chosen_url[0])


__all__ = ["init"]
