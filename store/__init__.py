"""Storage: engine and sessions from one URL, one schema, migrations, two spatial backends.

Public API: :func:`make_engine`, :func:`transaction`, :func:`serialised`, :func:`is_postgis`, :func:`upgrade`,
commune isolation (:func:`bind_commune`, :func:`bind_platform`, :func:`bind_scope_of`, and :func:`check_app_role`, which
``voisinage serve`` and ``voisinage dispatch`` call at start-up), :func:`init_database` (``db init``), the BAN
address base (:func:`import_ban`, :func:`geocode`, :func:`reverse_geocode`, :class:`LocalGeocoder`), and the
tables in :mod:`store.schema`.
"""

from typing import TYPE_CHECKING

from gis._lazy import lazy_exports

if TYPE_CHECKING:
    from store._addresses import (
        ImportReport,
        LocalGeocoder,
        address_index,
        clear_address_cache,
        geocode,
        import_ban,
        reverse_geocode,
    )
    from store._engine import (
        database_unavailable,
        is_busy_error,
        is_postgis,
        make_engine,
        serialised,
        transaction,
        upsert_insert,
        wake_listeners,
        wkb_column,
    )
    from store._migrate import upgrade
    from store._provision import InitReport, init_database
    from store._rls import bind_commune, bind_platform, bind_scope_of, check_app_role
    from store._text import check_text, check_values, column_limits

__getattr__, __dir__ = lazy_exports(__name__)

__all__ = [
    "ImportReport",
    "InitReport",
    "LocalGeocoder",
    "address_index",
    "bind_commune",
    "bind_platform",
    "bind_scope_of",
    "check_app_role",
    "check_text",
    "check_values",
    "clear_address_cache",
    "column_limits",
    "database_unavailable",
    "geocode",
    "import_ban",
    "init_database",
    "is_busy_error",
    "is_postgis",
    "make_engine",
    "reverse_geocode",
    "serialised",
    "transaction",
    "upgrade",
    "upsert_insert",
    "wake_listeners",
    "wkb_column",
]
