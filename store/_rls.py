"""Binding a transaction to one commune: PostGIS row-level security (``SET LOCAL`` only); no-op on SQLite.

Every table holding commune data has row-level security enabled and forced (migrations 0003 and 0007): a
transaction sees a commune's rows only after :func:`bind_commune`, and no commune row at all before. The
binding is ``SET LOCAL``: it ends with the transaction, so a pooled connection never carries one request's
commune into the next.

Two explicit, narrow ways out of one commune:

- :func:`bind_scope_of`: sign-in, session and invitation look-ups, which know an e-mail or a token before they
  know the commune. A SECURITY DEFINER function (``voisinage_scope_of``) returns the scope of that key (a
  commune id, or the platform) and nothing else; the transaction is then bound to it.
- :func:`bind_platform`: what spans communes, for a platform admin: the platform admins' own rows, creating
  communes and importing BAN addresses (public data any transaction may read). It sees no commune's members,
  alerts or sectors: an operation on a commune binds that commune.

This is the one place, with :mod:`store._engine`, that knows which backend runs.
"""

from __future__ import annotations

from typing import Any, Literal

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from gis import InputError
from store._engine import is_postgis

PLATFORM = "platform"
ScopeKey = Literal["email", "session", "invitation", "phone"]

# One round trip: the definer function's answer is bound at once (commune id, or the platform scope).
_BIND_SCOPE_OF = text(
    "SELECT set_config('voisinage.commune_id', CASE WHEN s = 'platform' THEN '' ELSE coalesce(s, '') END, true), "
    "set_config('voisinage.platform', CASE WHEN s = 'platform' THEN 'on' ELSE '' END, true), s "
    "FROM (SELECT voisinage_scope_of(:kind, :key) AS s) AS scope"
)


def _postgis(session: Session) -> bool:
    bind = session.get_bind()
    return is_postgis(bind if isinstance(bind, Engine) else bind.engine)


def bind_commune(session: Session, commune_id: int) -> None:
    """Bind the current transaction to ``commune_id`` (PostGIS row-level security; no-op on SQLite)."""
    if not _postgis(session):
        return
    # Pending ORM changes belong to the previous binding: written under it, before the commune changes.
    session.flush()
    _set_local(session.connection(), _commune_binding(commune_id))


def _commune_binding(commune_id: int) -> str:
    # The commune id is an integer we format ourselves (never user text).
    return f"SET LOCAL voisinage.commune_id = '{int(commune_id)}'; SET LOCAL voisinage.platform = ''"


def bind_connection(conn: Connection, commune_id: int) -> None:
    """:func:`bind_commune` for a Core connection inside its transaction (no-op on SQLite)."""
    if conn.dialect.name == "postgresql":
        _set_local(conn, _commune_binding(commune_id))


def bind_platform(session: Session) -> None:
    """Bind the current transaction to the platform scope (see the module's docstring for what it sees)."""
    if _postgis(session):
        session.flush()
        _set_local(session.connection(), "SET LOCAL voisinage.commune_id = ''; SET LOCAL voisinage.platform = 'on'")


def _set_local(conn: Connection, statements: str) -> None:
    """Run the ``SET LOCAL`` ``statements`` (no parameters) in ``conn``'s transaction, in one round trip.

    When nothing has been sent in the transaction yet (the usual case: a unit of work binds first), its
    ``BEGIN`` goes in the same round trip as the binding, through the driver's connection (psycopg sends a
    ``BEGIN`` of its own before the first statement otherwise: one round trip more per unit of work). The
    binding is the same ``SET LOCAL``, first in the transaction; the driver, which reads the server's
    transaction status, then sees a transaction open and sends no ``BEGIN``.
    """
    raw: Any = conn.connection.dbapi_connection
    pgconn = getattr(raw, "pgconn", None)
    if pgconn is None:  # not psycopg
        conn.execute(text(statements))
        return
    import psycopg

    # Only a default BEGIN is folded (the driver's BEGIN names an isolation level or access mode otherwise).
    default_begin = not raw.autocommit and (raw.isolation_level, raw.read_only, raw.deferrable) == (None, None, None)
    if not default_begin or pgconn.transaction_status != psycopg.pq.TransactionStatus.IDLE:
        conn.execute(text(statements))
        return
    command = f"BEGIN; {statements}"
    try:
        result = pgconn.exec_(command.encode())
        if result.status != psycopg.pq.ExecStatus.COMMAND_OK:
            raise psycopg.errors.error_from_result(result, encoding=raw.info.encoding)
    except psycopg.Error as exc:
        lost = pgconn.status != psycopg.pq.ConnStatus.OK
        if lost:
            conn.invalidate(exc)
        raise DBAPIError.instance(command, None, exc, psycopg.Error, connection_invalidated=lost) from exc


def bind_scope_of(session: Session, kind: ScopeKey, key: str) -> int | str | None:
    """Bind the transaction to the scope of an e-mail (normalised), a session token hash, an invitation hash or
    a phone number given for SMS (E.164; a verified member's first).

    Returns
    -------
    int | str | None
        The commune id, ``"platform"`` for a platform admin, None when the key is unknown (on SQLite: None,
        nothing to bind).
    """
    if not _postgis(session):
        return None
    session.flush()
    scope = session.execute(_BIND_SCOPE_OF, {"kind": kind, "key": key}).one()[2]
    if scope is None or scope == PLATFORM:
        return scope
    return int(scope)


# ---------------------------------------------------------------- the role the application connects as
_ROLE_QUERY = text(
    """
    SELECT r.rolname, r.rolsuper, r.rolbypassrls,
           EXISTS (SELECT 1 FROM pg_tables t WHERE t.schemaname = current_schema()
                   AND pg_has_role(current_user, t.tableowner, 'USAGE')) AS owner
    FROM pg_roles r WHERE r.rolname = current_user
    """
)


def check_app_role(engine: Engine) -> None:
    """Refuse to serve on PostGIS as a role that would bypass commune isolation (no-op on SQLite).

    Raises
    ------
    gis.InputError
        The role is a superuser, owns the tables (or is a member of their owner), or has BYPASSRLS.
    """
    if not is_postgis(engine):
        return
    with engine.connect() as conn:
        row = conn.execute(_ROLE_QUERY).one()
    reasons = []
    if row.rolsuper:
        reasons.append("est superutilisateur")
    if row.owner:
        reasons.append("est propriétaire des tables")
    if row.rolbypassrls:
        reasons.append("a l'attribut BYPASSRLS")
    if reasons:
        raise InputError(
            f"Refus de démarrer : le rôle PostgreSQL « {row.rolname} » {' et '.join(reasons)}, il passerait outre "
            "l'isolation des communes. Connectez l'application avec le rôle créé par « voisinage db init » "
            "(VOISINAGE_DATABASE_URL) et réservez le propriétaire aux migrations (VOISINAGE_MIGRATION_DATABASE_URL)."
        )
