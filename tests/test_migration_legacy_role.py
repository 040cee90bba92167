"""Migration 0011 drops the legacy NOLOGIN role ``voisinage_app``, except where that would hurt someone.

Each case migrates a scratch database of the throwaway cluster up to 0009 (the legacy role is created and
granted then), sets the scene a DBA might have left, migrates to the heads, and looks at the role:
- nothing special: the role is gone;
- a login role of that name (an application role somebody named so): kept, able to log in, its rights kept;
- the legacy role owns a DBA's table: kept, and the table still is its;
- another database of the cluster grants it a table: kept (the drop fails there), with no right left here.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from conftest import autocommit, superuser_engine
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from store import make_engine
from store._migrate import upgrade

LEGACY = "voisinage_app"
DATABASE, OTHER = "probe_legacy_db", "probe_legacy_other"


def _clean(superuser: Engine) -> None:
    autocommit(
        superuser,
        f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)",
        f"DROP DATABASE IF EXISTS {OTHER} WITH (FORCE)",
        f"DROP ROLE IF EXISTS {LEGACY}",
    )


def _url(owner_url: str, database: str) -> str:
    return make_url(owner_url).set(database=database).render_as_string(hide_password=False)


@pytest.fixture
def superuser(postgis_owner_url: str) -> Iterator[Engine]:
    """The throwaway cluster's superuser; the scratch databases and the legacy role are removed before and after.

    The role is cluster-wide: the session's own database no longer refers to it (0011 dropped it there).
    """
    engine = superuser_engine(postgis_owner_url, "playing the DBA")
    _clean(engine)
    autocommit(engine, f"CREATE DATABASE {DATABASE}")
    yield engine
    _clean(engine)
    engine.dispose()


def _role(engine: Engine) -> tuple[bool, bool] | None:
    """(exists, may log in) of the legacy role, None when it is gone."""
    with engine.connect() as conn:
        row = conn.execute(text("SELECT rolcanlogin FROM pg_roles WHERE rolname = :r"), {"r": LEGACY}).first()
    return None if row is None else (True, bool(row[0]))


def _may_read_alerts(engine: Engine) -> bool:
    with engine.connect() as conn:
        return bool(conn.execute(text(f"SELECT has_table_privilege('{LEGACY}', 'alerts', 'SELECT')")).scalar_one())


def _migrated_to_0009(superuser: Engine, postgis_owner_url: str) -> Engine:
    engine = make_engine(_url(postgis_owner_url, DATABASE))
    autocommit(engine, "CREATE EXTENSION postgis")
    upgrade(engine, "0009_outbox")
    assert _role(engine) == (True, False)  # the legacy role exists, NOLOGIN, and is granted the tables
    assert _may_read_alerts(engine)
    return engine


def test_the_legacy_role_is_dropped(superuser: Engine, postgis_owner_url: str) -> None:
    engine = _migrated_to_0009(superuser, postgis_owner_url)
    upgrade(engine)
    assert _role(engine) is None
    engine.dispose()


def test_a_login_role_of_that_name_is_left_alone(superuser: Engine, postgis_owner_url: str) -> None:
    autocommit(superuser, f"CREATE ROLE {LEGACY} LOGIN PASSWORD 'somebody-s-app'")
    engine = make_engine(_url(postgis_owner_url, DATABASE))
    autocommit(engine, "CREATE EXTENSION postgis")
    upgrade(engine)
    assert _role(engine) == (True, True)
    assert _may_read_alerts(engine)  # its rights were not revoked
    engine.dispose()


def test_a_legacy_role_owning_a_table_is_kept(superuser: Engine, postgis_owner_url: str) -> None:
    engine = _migrated_to_0009(superuser, postgis_owner_url)
    autocommit(engine, "CREATE TABLE dba_notes (id integer)", f"ALTER TABLE dba_notes OWNER TO {LEGACY}")
    upgrade(engine)
    assert _role(engine) == (True, False)
    with engine.connect() as conn:
        owner = conn.execute(text("SELECT tableowner FROM pg_tables WHERE tablename = 'dba_notes'")).scalar_one()
    assert owner == LEGACY
    engine.dispose()


def test_a_role_granted_in_another_database_keeps_no_right_here(superuser: Engine, postgis_owner_url: str) -> None:
    engine = _migrated_to_0009(superuser, postgis_owner_url)
    autocommit(superuser, f"CREATE DATABASE {OTHER}")
    other = make_engine(_url(postgis_owner_url, OTHER))
    autocommit(other, "CREATE TABLE shared_notes (id integer)", f"GRANT SELECT ON shared_notes TO {LEGACY}")
    upgrade(engine)
    assert _role(engine) == (True, False)  # DROP ROLE failed: the other database still refers to it
    assert not _may_read_alerts(engine)  # but here its rights are gone
    with engine.connect() as conn:
        granted = conn.execute(
            text("SELECT count(*) FROM information_schema.role_table_grants WHERE grantee = :r"), {"r": LEGACY}
        ).scalar_one()
    assert granted == 0
    with other.connect() as conn:
        assert conn.execute(text(f"SELECT has_table_privilege('{LEGACY}', 'shared_notes', 'SELECT')")).scalar_one()
    other.dispose()
    engine.dispose()
