"""``voisinage db init`` as a DBA sets it up: a non-superuser owner migrates, the application gets its own role.

The DBA (a superuser) creates the owner (LOGIN, CREATEROLE, nothing more), a database it owns, and the postgis
extension; ``db init`` run with ``VOISINAGE_MIGRATION_DATABASE_URL`` = that owner must then migrate, create the
application's login role and the sign-in look-up path (``voisinage_lookup``), and drop the legacy role.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from conftest import autocommit, superuser_engine
from members_support import BAN_FILE, GOOD_PASSWORD, build_world
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from cli import app
from community import login
from settings import get_settings
from store import check_app_role, make_engine

pytestmark = pytest.mark.shared_data

OWNER, APP, DATABASE = "probe_dba_owner", "probe_dba_app", "probe_dba_db"
OWNER_PASSWORD, APP_PASSWORD = "owner-S3cret", "app-S3cret"


def _drop(superuser: Engine) -> None:
    autocommit(
        superuser,
        f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)",
        f"DROP ROLE IF EXISTS {APP}",
        f"DROP ROLE IF EXISTS {OWNER}",
    )


@pytest.fixture
def dba_database(postgis_owner_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, str]]:
    """(owner URL, app URL) of a database set up as a DBA would; ``VOISINAGE_MIGRATION_DATABASE_URL`` = owner."""
    superuser = superuser_engine(postgis_owner_url, "playing the DBA")
    _drop(superuser)
    autocommit(
        superuser,
        f"CREATE ROLE {OWNER} LOGIN NOSUPERUSER CREATEROLE NOCREATEDB NOBYPASSRLS PASSWORD '{OWNER_PASSWORD}'",
        f"CREATE DATABASE {DATABASE} OWNER {OWNER}",
    )
    on_database = make_url(postgis_owner_url).set(database=DATABASE)
    dba = make_engine(on_database.render_as_string(hide_password=False))
    autocommit(dba, "CREATE EXTENSION postgis")  # extensions are the DBA's: not the owner's to create
    dba.dispose()
    owner = on_database.set(username=OWNER, password=OWNER_PASSWORD).render_as_string(hide_password=False)
    app_url = on_database.set(username=APP, password=APP_PASSWORD).render_as_string(hide_password=False)
    monkeypatch.setenv("VOISINAGE_MIGRATION_DATABASE_URL", owner)
    get_settings.cache_clear()
    yield owner, app_url
    get_settings.cache_clear()
    _drop(superuser)
    superuser.dispose()


def test_db_init_with_a_non_superuser_owner(dba_database: tuple[str, str], shared_file) -> None:
    owner_url, app_url = dba_database
    result = CliRunner().invoke(app, ["--db", app_url, "db", "init"])
    assert result.exit_code == 0, result.output
    assert f"Rôle de l'application créé : {APP}" in result.stderr
    owner = make_engine(owner_url)
    engine = make_engine(app_url)
    try:
        with owner.connect() as conn:
            assert not conn.execute(text("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")).scalar_one()
            # The legacy NOLOGIN role is gone (0011); the look-up role owns the definer function and nothing
            # more: the CREATE right it needed on the schema for the migrations was taken back.
            roles = set(conn.execute(text("SELECT rolname FROM pg_roles WHERE rolname LIKE 'voisinage%'")).scalars())
            assert "voisinage_app" not in roles and "voisinage_lookup" in roles
            assert conn.execute(
                text("SELECT pg_get_userbyid(proowner) FROM pg_proc WHERE proname = 'voisinage_scope_of'")
            ).scalar_one() == "voisinage_lookup"  # fmt: skip
            assert not conn.execute(
                text("SELECT has_schema_privilege('voisinage_lookup', 'public', 'CREATE')")
            ).scalar()
        check_app_role(engine)  # not superuser, not owner, no BYPASSRLS
        with engine.connect() as conn:
            flags = conn.execute(text("SELECT rolsuper, rolbypassrls, rolcreaterole, rolcreatedb FROM pg_roles "
                                      "WHERE rolname = current_user")).one()  # fmt: skip
            assert tuple(flags) == (False, False, False, False)
            rights = {
                p: conn.execute(text(f"SELECT has_table_privilege('audit_log', '{p}')")).scalar_one()
                for p in ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "TRIGGER", "REFERENCES")
            }
            assert rights == {"SELECT": True, "INSERT": True, "UPDATE": False, "DELETE": False,
                              "TRUNCATE": False, "TRIGGER": False, "REFERENCES": False}  # fmt: skip
            assert conn.execute(text("SHOW synchronous_commit")).scalar_one() == "on"
        # The application works as that role: a commune, its sectors and charter, a member, and the sign-in
        # that finds the member's commune through the look-up function.
        build_world(engine, shared_file(BAN_FILE))
        added = CliRunner().invoke(
            app,
            ["--db", app_url, "members", "add", "--commune", "75113", "--email", "alice@example.fr", "--name",
             "Alice", "--address", "32 rue Gérard", "--password-stdin"],
            input=GOOD_PASSWORD + "\n",
        )  # fmt: skip
        assert added.exit_code == 0, added.stderr
        assert login(engine, "alice@example.fr", GOOD_PASSWORD).token
        with engine.connect() as conn:  # bound to no commune: no commune row
            assert conn.execute(text("SELECT count(*) FROM members")).scalar_one() == 0
        # Running it again (an upgrade with nothing to do) creates nothing and still works.
        again = CliRunner().invoke(app, ["--db", app_url, "db", "init"])
        assert again.exit_code == 0 and "créé" not in again.stderr, again.output
    finally:
        engine.dispose()
        owner.dispose()
