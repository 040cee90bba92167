"""Embedded SQLite under concurrent writers: a write waits for another process's long transaction (an address
import), and when the wait is too long the command says the base is busy (not "lancez db init")."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from cli import app
from settings import get_settings
from store import make_engine, transaction
from store.schema import AddressImport

ONE_BAN_ROW = (
    "id;id_fantoir;numero;rep;nom_voie;code_postal;code_insee;nom_commune;code_insee_ancienne_commune;"
    "nom_ancienne_commune;x;y;lon;lat;type_position;alias;nom_ld;libelle_acheminement;nom_afnor;"
    "source_position;source_nom_voie;certification_commune;cad_parcelles\n"
    "91105_0001_00001;;1;;Rue de la Gare;91080;91105;Bouray-sur-Juine;;;;;2.30;48.52;entrée;;;;;;;1;\n"
)

# Another process opens a writing transaction, writes, says so, keeps the lock for a while, then commits:
# what a large ``addresses import`` does.
LOCKER = """
import sqlite3, sys, time
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN IMMEDIATE")
conn.execute("INSERT INTO address_imports (source, rows, inserted, updated, imported_at) "
             "VALUES ('big import', 0, 0, 0, '2026-01-01 00:00:00')")
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
conn.execute("COMMIT")
"""


def _hold_lock(path: str, seconds: float) -> subprocess.Popen[str]:
    proc = subprocess.Popen([sys.executable, "-c", LOCKER, path, str(seconds)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "locked"
    return proc


@pytest.fixture
def short_busy_timeout(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("VOISINAGE_SQLITE_BUSY_TIMEOUT_S", "0.3")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_a_write_during_an_import_waits_for_it(sqlite_url: str) -> None:
    path = str(make_url(sqlite_url).database)
    engine = make_engine(sqlite_url)
    # Longer than the 5 s busy timeout of before (the post failed with "database is locked"), shorter than the
    # default VOISINAGE_SQLITE_BUSY_TIMEOUT_S.
    locker = _hold_lock(path, 6.5)
    started = time.monotonic()
    try:
        # Read, then write: the read's snapshot must not predate the import's commit (BEGIN IMMEDIATE).
        with transaction(engine) as session:
            before = session.scalar(select(func.count(AddressImport.id)))
            session.add(AddressImport(source="post during import", rows=0, inserted=0, updated=0))
    finally:
        locker.wait(timeout=30)
    assert time.monotonic() - started >= 6.0  # it waited for the import to commit
    with transaction(engine) as session:
        sources = set(session.scalars(select(AddressImport.source)))
    assert before == 1 and sources == {"big import", "post during import"}
    engine.dispose()


def test_reads_are_not_blocked_by_a_writer(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    locker = _hold_lock(str(make_url(sqlite_url).database), 3.0)
    try:
        started = time.monotonic()
        with transaction(engine, write=False) as session:
            assert session.scalar(select(func.count(AddressImport.id))) == 0
        assert time.monotonic() - started < 1.0
    finally:
        locker.wait(timeout=30)
    engine.dispose()


def test_still_busy_says_so_in_french(sqlite_url: str, short_busy_timeout: None, tmp_path: Path) -> None:
    ban = tmp_path / "ban.csv"
    ban.write_text(ONE_BAN_ROW, encoding="utf-8")
    locker = _hold_lock(str(make_url(sqlite_url).database), 6.0)
    try:
        result = CliRunner().invoke(app, ["--db", sqlite_url, "addresses", "import", str(ban)])
    finally:
        locker.kill()
        locker.wait(timeout=30)
    assert result.exit_code == 2, result.output
    assert "occupée" in result.stderr and "db init" not in result.stderr
    assert "Traceback" not in result.output
