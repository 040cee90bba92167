"""Alembic environment: runs on the connection handed over by store.upgrade, or on the settings' URL."""

from __future__ import annotations

from alembic import context

from store._engine import make_engine
from store.schema import Base

config = context.config
connection = config.attributes.get("connection")


def _run(conn: object) -> None:
    context.configure(connection=conn, target_metadata=Base.metadata, render_as_batch=True)  # type: ignore[arg-type]
    with context.begin_transaction():
        context.run_migrations()


if connection is not None:
    _run(connection)
else:
    with make_engine().connect() as conn:
        _run(conn)
        conn.commit()
