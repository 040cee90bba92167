"""Schema migrations through Alembic, configured in code (no alembic.ini needed)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, text

MIGRATIONS = Path(__file__).resolve().parent / "migrations"

# The NOLOGIN role owning the sign-in look-up function (migration 0007_rls_everywhere).
LOOKUP_ROLE = "voisinage_lookup"


def alembic_config() -> Config:
    """The Alembic configuration of Voisinage."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def upgrade(engine: Engine, target: str = "heads") -> None:
    """Bring the schema of ``engine`` up to date (all heads: each domain has its branch).

    On PostgreSQL the owner running this need not be a superuser (see :func:`_lookup_may_own_function`).
    """
    config = alembic_config()
    with engine.begin() as connection:
        lookup_granted = _lookup_may_own_function(connection)
        config.attributes["connection"] = connection
        command.upgrade(config, target)
        if lookup_granted:
            connection.exec_driver_sql(f"REVOKE CREATE ON SCHEMA public FROM {LOOKUP_ROLE}")


def _lookup_may_own_function(conn: Connection) -> bool:
    """Let the look-up role own the function migration 0007 gives it, when a non-superuser owner migrates.

    Why: ``ALTER FUNCTION … OWNER TO voisinage_lookup`` requires the new owner to hold CREATE on the schema (a
    superuser is exempt, a real owner is not). Migrations are frozen, so the grant is given here, for the
    migrations' transaction only (:func:`upgrade` revokes it when they are done): the role only owns the
    function, it never creates anything. Its creation mirrors 0007's (when missing, NOLOGIN, granted to the
    migrating role). Returns whether the grant was given (nothing to do on SQLite, for a superuser, or once the
    function exists).
    """
    if conn.dialect.name != "postgresql":
        return False
    needed = conn.execute(
        text(
            "SELECT NOT rolsuper AND to_regprocedure('voisinage_scope_of(text, text)') IS NULL "
            "FROM pg_roles WHERE rolname = current_user"
        )
    ).scalar_one()
    if not needed:
        return False
    conn.execute(
        text(
            f"""
        DO $$
        BEGIN
            IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{LOOKUP_ROLE}') THEN
                CREATE ROLE {LOOKUP_ROLE} NOLOGIN;
            END IF;
            EXECUTE format('GRANT {LOOKUP_ROLE} TO %I', current_user);
        END
        $$
        """
        )
    )
    conn.exec_driver_sql(f"GRANT CREATE ON SCHEMA public TO {LOOKUP_ROLE}")
    return True
