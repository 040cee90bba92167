"""Storage: engine and sessions from one URL, one schema, migrations, two spatial backends.

Public API: :func:`make_engine`, :func:`transaction`, :func:`is_postgis`, :func:`upgrade`, and the
tables in :mod:`store.schema`.
"""

from store._engine import is_postgis, make_engine, transaction
from store._migrate import upgrade

__all__ = ["is_postgis", "make_engine", "transaction", "upgrade"]
