"""``voisinage db init``: migrate as the tables' owner, then provision the role the application connects as.

On PostgreSQL the two roles differ: the owner (``VOISINAGE_MIGRATION_DATABASE_URL``) runs the migrations; the
application's login role (the user of ``VOISINAGE_DATABASE_URL``) is created when missing, neither superuser
nor owner, without BYPASSRLS, with only the rights it needs (the audit log: INSERT and SELECT only), and with
``synchronous_commit = on`` (an acknowledged alert survives a crash). On SQLite: the migrations only.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Connection, Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from settings import get_settings
from store._engine import is_postgis, make_engine
from store._migrate import upgrade

# Read-only for the application: the migration bookkeeping and PostGIS's catalogue.
READ_ONLY_TABLES = ("alembic_version", "spatial_ref_sys")
# Append-only for the application: INSERT and SELECT, nothing else (no UPDATE, DELETE, TRUNCATE, TRIGGER).
APPEND_ONLY_TABLES = ("audit_log",)


@dataclass(frozen=True)
class InitReport:
    """What ``db init`` did: the database (password hidden), the role it created, its warnings (French)."""

    url: str
    app_role: str | None = None
    role_created: bool = False
    warnings: tuple[str, ...] = field(default_factory=tuple)


def database_urls(app_url: str | None = None) -> tuple[str, str]:
    """The application's URL and the migrations' URL (the owner's; by default the application's)."""
    settings = get_settings()
    app = app_url or settings.database_url
    return app, settings.migration_database_url or app


def init_database(app_url: str | None = None) -> InitReport:
    """Create or upgrade the schema as the owner, then provision the application's role (PostGIS).

    Parameters
    ----------
    app_url
        The URL the application connects with (default: ``VOISINAGE_DATABASE_URL``); the migrations run with
        ``VOISINAGE_MIGRATION_DATABASE_URL`` (default: the same URL).
    """
    app, owner_url = database_urls(app_url)
    owner = make_engine(owner_url)
    try:
        upgrade(owner)
        shown = make_url(app).render_as_string(hide_password=True)
        if not is_postgis(owner):
            return InitReport(shown)
        role, created, warnings = provision_app_role(owner, app)
        return InitReport(shown, role, created, tuple(warnings))
    finally:
        owner.dispose()


def provision_app_role(owner: Engine, app_url: str) -> tuple[str | None, bool, list[str]]:
    """Create (when missing) and grant the application's login role; returns (role, created, warnings)."""
    user, password = make_url(app_url).username, make_url(app_url).password
    warnings: list[str] = []
    with owner.begin() as conn:
        me = conn.execute(text("SELECT current_user")).scalar_one()
        if not user or user == me:
            warnings.append(
                f"l'application se connecte avec le rôle propriétaire « {me} » : l'isolation des communes n'est "
                "pas garantie. Donnez-lui un rôle à elle dans VOISINAGE_DATABASE_URL et gardez le propriétaire "
                "dans VOISINAGE_MIGRATION_DATABASE_URL."
            )
            _durability(conn, None, warnings)
            return None, False, warnings
        created = _create_role(conn, user, password)
        _grant(conn, user)
        _durability(conn, user, warnings)
    return user, created, warnings


def _exec_formatted(conn: Connection, template: str, *args: str) -> None:
    """Run DDL built server-side by ``format()`` (identifiers %I and literals %L quoted by PostgreSQL)."""
    placeholders = ", ".join(f"CAST(:a{i} AS text)" for i in range(len(args)))
    statement = conn.execute(
        text(f"SELECT format(CAST(:template AS text), {placeholders})"),
        {"template": template, **{f"a{i}": a for i, a in enumerate(args)}},
    ).scalar_one()
    conn.exec_driver_sql(statement)


def _create_role(conn: Connection, user: str, password: str | None) -> bool:
    if conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :u"), {"u": user}).first() is not None:
        return False
    options = "LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOREPLICATION"
    if password:
        _exec_formatted(conn, f"CREATE ROLE %I {options} PASSWORD %L", user, password)
    else:
        _exec_formatted(conn, f"CREATE ROLE %I {options}", user)
    return True


def _grant(conn: Connection, user: str) -> None:
    _exec_formatted(
        conn, "GRANT CONNECT ON DATABASE %I TO %I", conn.execute(text("SELECT current_database()")).scalar_one(), user
    )
    _exec_formatted(conn, "GRANT USAGE ON SCHEMA public TO %I", user)
    _exec_formatted(conn, "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO %I", user)
    _exec_formatted(conn, "GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO %I", user)
    for table in READ_ONLY_TABLES:
        _exec_formatted(conn, f"REVOKE ALL ON {table} FROM %I", user)
        _exec_formatted(conn, f"GRANT SELECT ON {table} TO %I", user)
    for table in APPEND_ONLY_TABLES:
        _exec_formatted(conn, f"REVOKE ALL ON {table} FROM %I", user)
        _exec_formatted(conn, f"GRANT SELECT, INSERT ON {table} TO %I", user)


def _durability(conn: Connection, user: str | None, warnings: list[str]) -> None:
    """``synchronous_commit = on`` for the application's role and the database; warn when fsync is off."""
    if user:
        _exec_formatted(conn, "ALTER ROLE %I SET synchronous_commit = on", user)
    try:
        with conn.begin_nested():
            _exec_formatted(
                conn,
                "ALTER DATABASE %I SET synchronous_commit = on",
                conn.execute(text("SELECT current_database()")).scalar_one(),
            )
    except DBAPIError:  # only the database's owner may; the role's setting is what matters
        warnings.append("synchronous_commit n'a pu être fixé que pour le rôle de l'application (pas pour la base).")
    if conn.execute(text("SHOW fsync")).scalar_one() == "off":
        warnings.append(
            "le serveur tourne avec fsync = off : une panne peut perdre ou corrompre des alertes déjà confirmées. "
            "Réglez fsync = on en production."
        )
    if conn.execute(text("SHOW synchronous_commit")).scalar_one() == "off" and not user:
        warnings.append("synchronous_commit = off : une alerte confirmée peut être perdue après un redémarrage brutal.")
