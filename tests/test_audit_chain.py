"""The audit log's hash chain on embedded SQLite: whoever edits the file behind the application's back (drop the
triggers, UPDATE, DELETE, INSERT OR REPLACE, forge a row) is caught by ``voisinage audit verify`` (exit 2)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

import pytest
from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from cli import app
from community import Actor, record
from community._audit_chain import row_hash, verify
from store import transaction
from store.schema import AuditEntry

runner = CliRunner()


def _fill(engine: Engine) -> None:
    """Six rows: communes 1 and 2 interleaved, and two platform rows."""
    actor = Actor.operator(label="test")
    with transaction(engine) as s:
        for i, commune in enumerate([1, 2, 1, None, 2, 1]):
            record(s, actor, "changed", "member", i, commune_id=commune, step=i)


def _raw(url: str) -> sqlite3.Connection:
    return sqlite3.connect(str(make_url(url).database), isolation_level=None)


def _verify(url: str):
    return runner.invoke(app, ["--db", url, "audit", "verify"])


def test_an_untouched_log_verifies(sqlite_engine: Engine, sqlite_url: str) -> None:
    _fill(sqlite_engine)
    result = _verify(sqlite_url)
    assert result.exit_code == 0, result.output
    assert "6 ligne(s)" in result.stderr
    heads = [line.split("\t") for line in result.stdout.splitlines()]
    assert [(h[0], h[1]) for h in heads] == [("plateforme", "1"), ("1", "3"), ("2", "2")]
    with transaction(sqlite_engine, write=False) as s:
        assert verify(s, 2, every_commune=False).rows == 2
        assert verify(s).ok


def _drop_triggers_and(sql: str, *params: object) -> Callable[[sqlite3.Connection], None]:
    def attack(conn: sqlite3.Connection) -> None:
        conn.execute("DROP TRIGGER audit_log_no_update")
        conn.execute("DROP TRIGGER audit_log_no_delete")
        conn.execute(sql, params)

    return attack


def _replace_row_3(conn: sqlite3.Connection) -> None:
    # INSERT OR REPLACE deletes the old row without firing the DELETE trigger: no trigger to drop.
    prev, own = conn.execute("SELECT prev_hash, row_hash FROM audit_log WHERE id = 3").fetchone()
    conn.execute(
        "INSERT OR REPLACE INTO audit_log (id, commune_id, at, actor_id, actor_role, actor_label, action, "
        "object_type, object_id, details, prev_hash, row_hash) "
        "VALUES (3, 1, '2026-01-01 00:00:00.000000', NULL, 'platform_admin', 'test', 'viewed', 'member', '2', "
        "'{}', ?, ?)",
        (prev, own),
    )


def _rehash_row_3(conn: sqlite3.Connection) -> None:
    # The attacker edits row 3 and recomputes its own hash: the next row of commune 1 (row 6) no longer links.
    conn.execute("DROP TRIGGER audit_log_no_update")
    conn.execute("UPDATE audit_log SET details = '{\"step\": 99}' WHERE id = 3")
    with transaction_for(conn) as entry:
        conn.execute("UPDATE audit_log SET row_hash = ? WHERE id = 3", (row_hash(entry.prev_hash or "", entry),))


class transaction_for:  # noqa: N801 - a tiny context manager reading row 3 as an AuditEntry
    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def __enter__(self) -> AuditEntry:
        from datetime import datetime

        cols = "commune_id, at, actor_id, actor_role, actor_label, action, object_type, object_id, details, prev_hash"
        row = self.conn.execute(f"SELECT {cols} FROM audit_log WHERE id = 3").fetchone()
        values = dict(zip(cols.split(", "), row, strict=True))
        values["at"] = datetime.fromisoformat(values["at"])
        return AuditEntry(**values)

    def __exit__(self, *exc: object) -> None:
        return None


def _forge_row(conn: sqlite3.Connection) -> None:
    conn.execute(
        "INSERT INTO audit_log (commune_id, at, actor_id, actor_role, actor_label, action, object_type, object_id, "
        "details) VALUES (2, '2026-01-01 00:00:00.000000', NULL, 'self', '', 'deleted', 'member', '9', '{}')"
    )


@pytest.mark.parametrize(
    ("attack", "row", "reason"),
    [
        (_drop_triggers_and("UPDATE audit_log SET details = '{}' WHERE id = 3"), 3, "modifiée"),
        (_drop_triggers_and("UPDATE audit_log SET commune_id = 2 WHERE id = 3"), 3, "lien"),
        (_drop_triggers_and("DELETE FROM audit_log WHERE id = 3"), 6, "supprimée"),
        (_replace_row_3, 3, "modifiée"),
        (_rehash_row_3, 6, "lien"),
        (_forge_row, 7, "sans empreinte"),
    ],
    ids=["update", "move-to-other-commune", "delete", "insert-or-replace", "update-and-rehash", "forged-row"],
)
def test_tampering_is_caught(
    sqlite_engine: Engine, sqlite_url: str, attack: Callable[[sqlite3.Connection], None], row: int, reason: str
) -> None:
    _fill(sqlite_engine)
    sqlite_engine.dispose()
    conn = _raw(sqlite_url)
    attack(conn)
    conn.close()
    result = _verify(sqlite_url)
    assert result.exit_code == 2, result.output
    assert f"ligne n° {row} " in result.stderr and reason in result.stderr, result.stderr
    assert "Traceback" not in result.output
