"""Binding a transaction to one commune: PostGIS row-level security (``SET LOCAL``); no-op on SQLite.

This is the one place, with :mod:`store._engine`, that knows which backend runs.
"""

from __future__ import annotations

from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from store._engine import is_postgis

APP_ROLE = "voisinage_app"
_needs_role: dict[str, bool] = {}


def _switch_role_needed(session: Session, engine: Engine) -> bool:
    key = engine.url.render_as_string(hide_password=False)
    if key not in _needs_role:
        row = session.execute(
            text(
                "SELECT (r.rolsuper OR r.rolbypassrls) AND EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :app) "
                "FROM pg_roles r WHERE r.rolname = current_user"
            ),
            {"app": APP_ROLE},
        ).scalar()
        _needs_role[key] = bool(row)
    return _needs_role[key]


def bind_commune(session: Session, commune_id: int, *, switch_role: bool = True) -> None:
    """Bind the current transaction to ``commune_id`` (PostGIS row-level security; no-op on SQLite).

    ``switch_role=False`` only sets the commune: for hooks running inside another domain's transaction,
    which must keep its own role.
    """
    bind = session.get_bind()
    if not isinstance(bind, Engine):
        bind = bind.engine
    if not is_postgis(bind):
        return
    # One round trip: the commune id is an integer we format ourselves (never user text).
    role = f"SET LOCAL ROLE {APP_ROLE}; " if switch_role and _switch_role_needed(session, bind) else ""
    session.execute(text(f"{role}SET LOCAL voisinage.commune_id = '{int(commune_id)}'"))
