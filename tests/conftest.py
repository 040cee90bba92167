"""Fixtures shared by every test.

- ``engine``: a fresh, migrated database, once on embedded SQLite and once on PostGIS (contract tests).
- ``sqlite_engine`` / ``postgis_engine``: one backend only.
- On PostGIS every test connects as the application's login role (created as ``voisinage db init`` does: not
  superuser, not owner, no BYPASSRLS), where row-level security applies: a test binds the commune it reads or
  writes, as the code does. Only the tests that need the tables' owner (a superuser in the throwaway cluster:
  migrations, attacks on ownership, a DBA's set-up) ask for it by name: ``postgis_owner_url``,
  ``postgis_owner_engine``, ``owner_db_url``.
- ``shared_data``: the real reference data in ``../shared/data``.

PostGIS comes from ``VOISINAGE_TEST_DATABASE_URL``, or from a throwaway cluster started here with the system
binaries. With ``CI=true`` a missing PostGIS or a missing shared file fails the test instead of skipping it.
"""

from __future__ import annotations

import os
import shutil
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from settings import PROJECT_ROOT
from store import make_engine, upgrade
from store._provision import provision_app_role
from store.schema import Base
from store.throwaway import ClusterError, ThrowawayCluster

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
SHARED_DATA = Path(os.environ.get("VOISINAGE_SHARED_DATA", PROJECT_ROOT.parent / "shared" / "data"))


def skip_or_fail(reason: str) -> None:
    """Skip locally; in CI, a missing service or data file is a failure."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: this may not be skipped)")
    pytest.skip(reason)


def autocommit(engine: Engine, *statements: str) -> None:
    """Run ``statements`` one by one outside a transaction (CREATE DATABASE, roles, VACUUM...)."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        for statement in statements:
            conn.execute(text(statement))


def superuser_engine(url: str, why: str) -> Engine:
    """An engine on ``url``, whose role must be a superuser (the throwaway cluster's): skipped (failed in CI)
    otherwise, saying ``why`` it is needed."""
    engine = make_engine(url)
    with engine.connect() as conn:
        if not conn.execute(text("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")).scalar_one():
            engine.dispose()
            skip_or_fail(f"{why} needs a superuser (the throwaway cluster's)")
    return engine


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):
    """In CI, a skipped test is a failed test: nothing may pass silently for want of a service or a file."""
    outcome = yield
    report = outcome.get_result()
    if IN_CI and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"skipped in CI (CI=true): {report.longrepr}"


# ---------------------------------------------------------------- no network in tests
@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never touch the internet: only loopback connections are allowed."""
    real_connect = socket.socket.connect

    def guarded(self: socket.socket, address: object) -> object:
        host = address[0] if isinstance(address, tuple) else None
        if isinstance(host, str) and not (
            host.startswith("127.") or host in {"localhost", "::1"} or self.family == socket.AF_UNIX
        ):
            raise RuntimeError(f"network access blocked in tests: {address!r}")
        return real_connect(self, address)  # type: ignore[arg-type]

    monkeypatch.setattr(socket.socket, "connect", guarded)


# ---------------------------------------------------------------- shared data
@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The folder of real reference data; see its README."""
    if not SHARED_DATA.is_dir():
        skip_or_fail(f"shared data folder missing: {SHARED_DATA}")
    return SHARED_DATA


@pytest.fixture(scope="session")
def shared_file(shared_data: Path):
    """Return a function giving the path of one shared file, failing in CI when it is absent."""

    def get(relative: str) -> Path:
        path = shared_data / relative
        if not path.is_file():
            skip_or_fail(f"shared data file missing: {path}")
        return path

    return get


# ---------------------------------------------------------------- databases
# The login role the application runs as in the tests: created by what ``voisinage db init`` does (neither
# superuser nor owner, no BYPASSRLS), so every test exercises row-level security as production does.
APP_USER = "voisinage_test_app"
APP_PASSWORD = "app-role-test-password"


@pytest.fixture(scope="session")
def postgis_owner_url() -> Iterator[str]:
    """URL of the role owning the tables (it runs the migrations), for the whole session, migrated once.

    Tests that need the owner (migrations, attacks on the audit log's ownership) use it explicitly; every
    other test runs as the application's role (:func:`postgis_url`).
    """
    given = os.environ.get("VOISINAGE_TEST_DATABASE_URL")
    cluster: ThrowawayCluster | None = None
    if given:
        url = given
    else:
        try:
            cluster = ThrowawayCluster().start()
        except ClusterError as exc:
            skip_or_fail(f"PostGIS unavailable: {exc}")
        url = cluster.url
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("CREATE EXTENSION IF NOT EXISTS postgis"))
    upgrade(engine)
    engine.dispose()
    yield url
    if cluster is not None:
        cluster.stop()


def app_url_for(owner_url: str) -> str:
    """The application role's URL on the same database as ``owner_url``."""
    url = make_url(owner_url).set(username=APP_USER, password=APP_PASSWORD)
    return url.render_as_string(hide_password=False)


# Every PostGIS test connects as the application's role (row-level security applies), as production does; the
# tests that need the owner (migrations, the DBA's set-up, attacks on ownership) name it: ``postgis_owner_url``,
# ``postgis_owner_engine``, ``owner_db_url``. VOISINAGE_TEST_AS_OWNER=1 runs them as the owner instead: for
# debugging only (a test passing as the owner and failing as the app role reads or writes a commune's rows
# without binding the commune).
AS_OWNER = os.environ.get("VOISINAGE_TEST_AS_OWNER", "").lower() in {"1", "true", "yes"}


@pytest.fixture(scope="session")
def postgis_app_url(postgis_owner_url: str) -> str:
    """URL of the PostGIS database as the application's role (provisioned as ``voisinage db init`` does)."""
    owner = make_engine(postgis_owner_url)
    provision_app_role(owner, app_url_for(postgis_owner_url))
    owner.dispose()
    return app_url_for(postgis_owner_url)


@pytest.fixture(scope="session")
def postgis_url(postgis_owner_url: str, postgis_app_url: str) -> str:
    """URL of the PostGIS database as the application's role (the owner's with VOISINAGE_TEST_AS_OWNER=1)."""
    return postgis_owner_url if AS_OWNER else postgis_app_url


def _truncate_all(engine: Engine) -> None:
    names = ", ".join(t.name for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


@pytest.fixture
def postgis_owner_engine(postgis_owner_url: str) -> Iterator[Engine]:
    """The tables' owner on a PostGIS database emptied for this test (migrations, attacks needing the owner)."""
    engine = make_engine(postgis_owner_url)
    _truncate_all(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def postgis_engine(postgis_owner_engine: Engine, postgis_url: str) -> Iterator[Engine]:
    """The same emptied database, as the application's role: row-level security applies (see :data:`AS_OWNER`)."""
    engine = make_engine(postgis_url)
    yield engine
    engine.dispose()


@pytest.fixture
def postgis_app_engine(postgis_owner_engine: Engine, postgis_app_url: str) -> Iterator[Engine]:
    """The application's role, even with VOISINAGE_TEST_AS_OWNER (the isolation tests: what it may not do)."""
    engine = make_engine(postgis_app_url)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


@pytest.fixture
def sqlite_url(_sqlite_template: Path, tmp_path: Path) -> str:
    """URL of a fresh, migrated SQLite file for this test."""
    path = tmp_path / "voisinage.sqlite3"
    shutil.copy(_sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def sqlite_engine(sqlite_url: str) -> Iterator[Engine]:
    """A fresh, migrated embedded database."""
    engine = make_engine(sqlite_url)
    yield engine
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgis"])
def db_url(request: pytest.FixtureRequest) -> str:
    """URL of a fresh database, once per backend (the contract suite uses this)."""
    if request.param == "sqlite":
        return str(request.getfixturevalue("sqlite_url"))
    engine: Engine = request.getfixturevalue("postgis_engine")
    return engine.url.render_as_string(hide_password=False)


@pytest.fixture(params=["sqlite", "postgis"])
def app_engine(request: pytest.FixtureRequest) -> Engine:
    """A fresh database once per backend, on PostGIS as the application's role: what :func:`engine` gives too
    (the alerts suites were the first to run as the app role, under this name)."""
    if request.param == "sqlite":
        return request.getfixturevalue("sqlite_engine")
    return request.getfixturevalue("postgis_app_engine")


@pytest.fixture(params=["sqlite", "postgis"])
def owner_db_url(request: pytest.FixtureRequest) -> str:
    """URL of a fresh database as the tables' owner, once per backend (migrations)."""
    if request.param == "sqlite":
        return str(request.getfixturevalue("sqlite_url"))
    engine: Engine = request.getfixturevalue("postgis_owner_engine")
    return engine.url.render_as_string(hide_password=False)


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    """A fresh database engine, once per backend."""
    eng = make_engine(db_url)
    yield eng
    eng.dispose()


# ---------------------------------------------------------------- the app (voisinage serve, AppTest)
@pytest.fixture(scope="session")
def demo_db_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A demo database built once per run (synthetic commune in 9 sectors, one account per role, alerts)."""
    from app_support import build_database

    return build_database(tmp_path_factory.mktemp("demo"))


@pytest.fixture(autouse=True)
def _services_database_forgotten() -> Iterator[None]:
    """A test that chose the services' database (``--db`` in a CLI run, ``services.use_database``) does not leave
    that choice to the next test, which would otherwise read another test's database."""
    yield
    import sys

    core = sys.modules.get("services._core")
    if core is not None:
        core.use_database(None)


# ---------------------------------------------------------------- the browser
@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Debian's chromium driven by Playwright (never a downloaded browser); in CI its absence is a failure."""
    from app_support import chromium_path

    path = chromium_path()
    if path is None:
        skip_or_fail("chromium absent (make test installs it: apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=path, args=["--no-sandbox"])
        yield launched
        launched.close()
