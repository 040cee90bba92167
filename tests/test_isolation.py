"""Commune isolation on PostGIS (row-level security on every table holding commune data, the application's
role, sign-in through the scope look-up, pooled connections) and the audit log the app role cannot erase.

Row-level security exists on PostGIS only: these tests run there (never skipped on SQLite)."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from isolation_support import PASSWORD, build_isolation_world, catalogue, probe
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from typer.testing import CliRunner

from cli import app
from community import authenticate, login
from gis import InputError
from settings import get_settings
from store import bind_commune, bind_platform, check_app_role, make_engine, transaction
from store.schema import Address, AddressImport, Commune, Member

# Public reference data, no commune_id and no foreign key to a commune: not commune data.
NOT_COMMUNE_DATA = {
    "login_attempts": "keyed hash of an e-mail, time and outcome: no commune, rate limiting before sign-in",
    "ssmsi_figures": "public SSMSI statistics",
    "alerts_version": "one change counter (SQLite caches)",
    "alembic_version": "migration bookkeeping",
    "spatial_ref_sys": "PostGIS's catalogue",
    "addresses": "public BAN data (row-level security all the same: written in the platform scope only)",
    "address_imports": "BAN import runs (row-level security all the same: platform scope only)",
    "sms_nonces": "nonces of the SMS gateway's signed requests (replay guard)",
    "notify_counters": "platform-wide named counters (SMS sent per day)",
}


@pytest.fixture
def world(postgis_owner_engine: Engine, shared_file) -> dict:
    return build_isolation_world(postgis_owner_engine, shared_file)


def _commune_tables(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return sorted(name for name, row in catalogue(conn).items() if row["commune_data"])


def test_catalogue_every_table_holding_commune_data_has_forced_rls_and_a_policy(postgis_owner_engine: Engine) -> None:
    with postgis_owner_engine.connect() as conn:
        tables = catalogue(conn)
    problems = []
    for name, row in tables.items():
        if row["commune_data"] is None:
            if name not in NOT_COMMUNE_DATA:
                problems.append(f"{name}: table nouvelle sans commune ; classez-la dans NOT_COMMUNE_DATA (raison)")
            continue
        missing = [
            label
            for label, ok in (
                ("ENABLE ROW LEVEL SECURITY", row["relrowsecurity"]),
                ("FORCE ROW LEVEL SECURITY", row["relforcerowsecurity"]),
                ("une POLICY", row["policies"]),
            )
            if not ok
        ]
        if missing:
            problems.append(
                f"{name} holds commune data ({row['commune_data']}) without {', '.join(missing)}: add them in a "
                "migration (see store/migrations/versions/0007_rls_everywhere.py for the three kinds of policy)"
            )
    assert problems == []
    # What this catalogue covered when written (a new table only adds to it).
    assert {"members", "auth_sessions", "audit_log", "sectors", "sector_sets", "sanctions", "charters",
            "charter_acceptances", "referent_assignments", "gendarmerie_access_changes", "alerts",
            "alert_sectors", "alert_events", "alert_categories", "alert_commune_settings", "communes"} <= {
        n for n, r in tables.items() if r["commune_data"]
    }  # fmt: skip


def test_the_app_role_reads_no_row_of_another_commune(world: dict, postgis_owner_engine, postgis_app_engine) -> None:
    postgis_engine = postgis_owner_engine  # a superuser: as the application connected before
    tables = _commune_tables(postgis_engine)
    bouray, lardy = world["bouray_id"], world["lardy_id"]
    # As the owner (a superuser, as the app connected on main), every table shows Lardy's rows to anybody.
    before = probe(postgis_engine, tables, bouray, lardy)
    assert sum(before.values()) > 0
    # As the app role, bound to Bouray: none of Lardy's rows, in any table; but Bouray's own are there.
    assert probe(postgis_app_engine, tables, bouray, lardy) == dict.fromkeys(before, 0)
    own = probe(postgis_engine, tables, None, bouray)
    assert probe(postgis_app_engine, tables, bouray, bouray) == own and sum(own.values()) > 10
    # Unbound: no commune row at all.
    assert probe(postgis_app_engine, tables, None, lardy) == dict.fromkeys(before, 0)
    assert probe(postgis_app_engine, tables, None, bouray) == dict.fromkeys(before, 0)
    print(f"\ncross-commune rows read, owner/superuser: {sum(before.values())} {before}")


def test_the_app_role_cannot_write_into_another_commune(world: dict, postgis_app_engine: Engine) -> None:
    with transaction(postgis_app_engine) as s:
        bind_commune(s, world["bouray_id"])
        for sql in (
            "UPDATE members SET name = 'x'",
            "UPDATE sectors SET name = 'x'",
            "DELETE FROM charters",
            "DELETE FROM auth_sessions",
        ):
            s.execute(text(sql))  # touches Bouray's rows only
        with pytest.raises(DBAPIError, match="row-level security"), s.begin_nested():
            s.execute(
                text("INSERT INTO charters (commune_id, version, text, published_at) VALUES (:c, 9, 'x', now())"),
                {"c": world["lardy_id"]},
            )
        with pytest.raises(DBAPIError, match="row-level security"), s.begin_nested():
            s.execute(text("UPDATE members SET commune_id = :c"), {"c": world["lardy_id"]})
        with pytest.raises(DBAPIError, match="row-level security"), s.begin_nested():
            s.add(Commune(insee="99999", name="Pirate", crs_epsg=2154, boundary=None, area_m2=0))
            s.flush()
    with transaction(postgis_app_engine) as s:
        bind_commune(s, world["lardy_id"])
        assert "x" not in set(s.scalars(text("SELECT name FROM members")))


def test_sign_in_finds_the_commune_through_the_narrow_lookup(world: dict, postgis_app_engine: Engine) -> None:
    for email in ("alice@a.fr", "lea@lardy.fr", "admin@plateforme.fr"):
        result = login(postgis_app_engine, email, PASSWORD)
        with transaction(postgis_app_engine) as s:
            member = authenticate(s, result.token, require_mfa=False)
            assert member.email == email
    with pytest.raises(Exception, match="incorrect"):
        login(postgis_app_engine, "nobody@nowhere.fr", PASSWORD)
    # The look-up gives a scope and nothing else: no e-mail, no hash, no other column.
    with postgis_app_engine.connect() as conn:
        scope = conn.execute(text("SELECT voisinage_scope_of('email', 'lea@lardy.fr')")).scalar_one()
        assert scope == str(world["lardy_id"])
        assert conn.execute(text("SELECT voisinage_scope_of('email', 'admin@plateforme.fr')")).scalar() == "platform"
        with pytest.raises(DBAPIError):
            conn.execute(text("SET ROLE voisinage_lookup"))


def test_the_platform_scope_is_narrow(world: dict, postgis_app_engine: Engine) -> None:
    with transaction(postgis_app_engine) as s:
        bind_platform(s)
        # The platform admins' own rows, the commune list, and BAN imports...
        assert set(s.scalars(text("SELECT email FROM members"))) == {"admin@plateforme.fr"}
        assert s.scalar(text("SELECT count(*) FROM communes")) == 2
        batch = AddressImport(source="ban", rows=1, inserted=1, updated=0)
        s.add(batch)
        s.flush()
        s.add(Address(ban_id="91105_x_1", insee="91105", lon=2.3, lat=48.5, import_id=batch.id))
        s.flush()
        # ... but no commune's members, alerts, sectors or audit entries.
        for table in ("alerts", "sectors", "sector_sets", "auth_sessions", "charters"):
            assert s.scalar(text(f"SELECT count(*) FROM {table}")) == 0, table
        assert set(s.scalars(text("SELECT commune_id FROM audit_log"))) == {None}
    with transaction(postgis_app_engine) as s:
        bind_commune(s, world["bouray_id"])
        assert s.scalar(text("SELECT count(*) FROM addresses")) == 1  # public data: readable by all
        with pytest.raises(DBAPIError, match="row-level security"), s.begin_nested():
            s.execute(text("UPDATE addresses SET lon = 0"))
            s.execute(text("INSERT INTO address_imports (source, rows, inserted, updated, imported_at) "
                           "VALUES ('x', 0, 0, 0, now())"))  # fmt: skip


def test_pooled_connections_never_carry_a_binding(world: dict, postgis_app_url: str) -> None:
    """10,000 requests alternating communes (and unbound ones) on a pool of 5, from 5 threads."""
    engine = make_engine(postgis_app_url, pool_size=5, max_overflow=0)
    bouray, lardy = world["bouray_id"], world["lardy_id"]
    errors: list[str] = []
    connections: set[int] = set()

    def worker(start: int) -> None:
        for i in range(start, 10_000, 5):
            expected = (bouray, lardy, None)[i % 3]
            try:
                with transaction(engine) as s:
                    connections.add(id(s.connection().connection.dbapi_connection))
                    if expected is not None:
                        bind_commune(s, expected)
                    seen = set(s.scalars(text("SELECT DISTINCT commune_id FROM members WHERE commune_id IS NOT NULL")))
                    if i % 7 == 0:
                        raise RuntimeError("a request that fails")
            except RuntimeError:
                pass
            want = set() if expected is None else {expected}
            if seen != want:
                errors.append(f"request {i}: bound {expected}, saw {seen}")

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    engine.dispose()
    assert errors == []
    assert len(connections) <= 5


def test_check_app_role_refuses_superuser_owner_and_bypassrls(
    postgis_owner_engine: Engine, postgis_app_engine: Engine, postgis_app_url: str
) -> None:
    postgis_engine = postgis_owner_engine
    check_app_role(postgis_app_engine)  # the app role passes
    with pytest.raises(InputError, match="superutilisateur"):
        check_app_role(postgis_engine)
    with postgis_engine.begin() as conn:
        conn.execute(
            text("DROP TABLE IF EXISTS probe_owned; DROP ROLE IF EXISTS probe_owner; DROP ROLE IF EXISTS probe_bypass")
        )
        conn.execute(text("CREATE ROLE probe_owner LOGIN; CREATE ROLE probe_bypass LOGIN BYPASSRLS"))
        conn.execute(text("CREATE TABLE probe_owned (id int); ALTER TABLE probe_owned OWNER TO probe_owner"))
    try:
        for role, reason in (("probe_owner", "propriétaire"), ("probe_bypass", "BYPASSRLS")):
            other = make_engine(make_url(postgis_app_url).set(username=role, password=None).render_as_string(False))
            with pytest.raises(InputError, match=reason):
                check_app_role(other)
            other.dispose()
    finally:
        with postgis_engine.begin() as conn:
            conn.execute(text("DROP TABLE probe_owned; DROP ROLE probe_owner; DROP ROLE probe_bypass"))


@pytest.mark.parametrize(
    "attack",
    [
        "TRUNCATE audit_log",
        "DELETE FROM audit_log",
        "UPDATE audit_log SET action = 'viewed'",
        "ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only",
        "DROP TRIGGER audit_log_append_only ON audit_log",
        "DROP TABLE audit_log",
        "ALTER TABLE audit_log NO FORCE ROW LEVEL SECURITY",
        "DROP POLICY audit_log_commune_isolation ON audit_log",
    ],
)
def test_the_app_role_cannot_erase_the_audit_log(world: dict, postgis_app_engine: Engine, attack: str) -> None:
    with transaction(postgis_app_engine) as s:
        bind_commune(s, world["bouray_id"])
        before = s.scalar(text("SELECT count(*) FROM audit_log"))
        assert before >= 1
        with pytest.raises(DBAPIError, match=r"permission denied|must be owner"), s.begin_nested():
            s.execute(text(attack))
        s.execute(text("INSERT INTO audit_log (commune_id, at, actor_role, actor_label, action, object_type, "
                       "object_id, details) VALUES (:c, now(), 'x', '', 'viewed', 'probe', '', '{}')"),
                  {"c": world["bouray_id"]})  # fmt: skip
    with transaction(postgis_app_engine) as s:
        bind_commune(s, world["bouray_id"])
        assert s.scalar(text("SELECT count(*) FROM audit_log")) == before + 1


@pytest.fixture
def migration_env(monkeypatch: pytest.MonkeyPatch, postgis_owner_url: str) -> Iterator[None]:
    monkeypatch.setenv("VOISINAGE_MIGRATION_DATABASE_URL", postgis_owner_url)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_db_init_creates_the_app_role_durable_and_least_privileged(
    postgis_owner_engine: Engine, postgis_owner_url: str, migration_env: None
) -> None:
    postgis_engine, postgis_url = postgis_owner_engine, postgis_owner_url
    with postgis_engine.begin() as conn:
        conn.execute(text("DROP OWNED BY probe_init_app CASCADE")) if conn.execute(
            text("SELECT 1 FROM pg_roles WHERE rolname = 'probe_init_app'")
        ).first() else None
        conn.execute(text("DROP ROLE IF EXISTS probe_init_app"))
    app_url = make_url(postgis_url).set(username="probe_init_app", password="s3cret-Init").render_as_string(False)
    result = CliRunner().invoke(app, ["--db", app_url, "db", "init"])
    assert result.exit_code == 0, result.output
    assert "Rôle de l'application créé : probe_init_app" in result.stderr
    assert "fsync = off" in result.stderr  # the throwaway cluster runs without fsync: said plainly
    engine = make_engine(app_url)
    try:
        check_app_role(engine)
        with engine.connect() as conn:
            assert conn.execute(text("SHOW synchronous_commit")).scalar_one() == "on"  # the server says off
            flags = conn.execute(text("SELECT rolsuper, rolbypassrls, rolcreaterole, rolcreatedb FROM pg_roles "
                                      "WHERE rolname = current_user")).one()  # fmt: skip
            assert tuple(flags) == (False, False, False, False)
            rights = {
                p: conn.execute(text(f"SELECT has_table_privilege('audit_log', '{p}')")).scalar_one()
                for p in ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "TRIGGER", "REFERENCES")
            }
            assert rights == {"SELECT": True, "INSERT": True, "UPDATE": False, "DELETE": False,
                              "TRUNCATE": False, "TRIGGER": False, "REFERENCES": False}  # fmt: skip
            assert not conn.execute(text("SELECT has_table_privilege('alembic_version', 'UPDATE')")).scalar_one()
            assert not conn.execute(text("SELECT has_schema_privilege('public', 'CREATE')")).scalar_one()
        # Running it again changes nothing and creates nothing.
        again = CliRunner().invoke(app, ["--db", app_url, "db", "init"])
        assert again.exit_code == 0 and "créé" not in again.stderr
    finally:
        engine.dispose()
        with postgis_engine.begin() as conn:
            conn.execute(text("DROP OWNED BY probe_init_app CASCADE; DROP ROLE probe_init_app"))


def test_members_of_other_communes_are_invisible_to_orm_queries(world: dict, postgis_app_engine: Engine) -> None:
    with transaction(postgis_app_engine) as s:
        bind_commune(s, world["lardy_id"])
        assert {m.email for m in s.query(Member)} == {"lea@lardy.fr"}


def test_ban_import_runs_in_the_platform_scope(postgis_app_engine: Engine, tmp_path) -> None:
    from test_sqlite_busy import ONE_BAN_ROW

    from store import import_ban

    ban = tmp_path / "ban.csv"
    ban.write_text(ONE_BAN_ROW, encoding="utf-8")
    import_ban(postgis_app_engine, ban)
    with transaction(postgis_app_engine) as s:  # public data: readable unbound
        assert s.scalar(text("SELECT count(*) FROM addresses WHERE insee = '91105'")) == 1
