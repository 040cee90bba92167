"""Audit log: a hash chain over the rows (embedded SQLite), so that tampering with the file becomes visible.

Each row gets ``prev_hash`` (the previous row of its commune's ``row_hash``) and ``row_hash`` (sha256 of
``prev_hash`` and its content), filled by the application (see ``community/_audit_chain.py``) and checked by
``voisinage audit verify``. Rows already there are chained here, in id order. On PostgreSQL the columns exist
(one schema) but stay empty: the application's role may only INSERT and SELECT (``voisinage db init``).

Revision ID: 0008_audit_chain
Revises: 0002_members
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0008_audit_chain"
down_revision = "0002_members"
branch_labels = None
depends_on = None

COLUMNS = ("commune_id", "at", "actor_id", "actor_role", "actor_label", "action", "object_type", "object_id", "details")


def _utc_text(at: object) -> str:
    # Same spelling as community._audit_chain (migrations never import the application's code).
    if isinstance(at, str):
        at = datetime.fromisoformat(at)
    assert isinstance(at, datetime)
    if at.tzinfo is not None:
        at = at.astimezone(UTC).replace(tzinfo=None)
    return at.isoformat(sep=" ", timespec="microseconds")


def _hash(prev: str, row: sa.Row) -> str:
    values = [prev, row.commune_id, _utc_text(row.at), *(getattr(row, c) for c in COLUMNS[2:])]
    return hashlib.sha256(json.dumps(values, ensure_ascii=False).encode("utf-8")).hexdigest()


def upgrade() -> None:
    op.add_column("audit_log", sa.Column("prev_hash", sa.String(64)))
    op.add_column("audit_log", sa.Column("row_hash", sa.String(64)))
    if op.get_bind().dialect.name != "sqlite":
        return
    conn = op.get_bind()
    rows = conn.execute(sa.text(f"SELECT id, {', '.join(COLUMNS)} FROM audit_log ORDER BY id")).all()
    if not rows:
        return
    conn.execute(sa.text("DROP TRIGGER IF EXISTS audit_log_no_update"))
    last: dict[object, str] = {}
    for row in rows:
        prev = last.get(row.commune_id, "")
        last[row.commune_id] = _hash(prev, row)
        conn.execute(
            sa.text("UPDATE audit_log SET prev_hash = :p, row_hash = :h WHERE id = :id"),
            {"p": prev, "h": last[row.commune_id], "id": row.id},
        )
    conn.execute(
        sa.text(
            "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log "
            "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only (UPDATE refused)'); END"
        )
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        # SQLite drops a column by rebuilding the table: its triggers go with it and are put back.
        with op.batch_alter_table("audit_log") as batch:
            batch.drop_column("row_hash")
            batch.drop_column("prev_hash")
        op.execute(
            "CREATE TRIGGER IF NOT EXISTS audit_log_no_update BEFORE UPDATE ON audit_log "
            "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only (UPDATE refused)'); END"
        )
        op.execute(
            "CREATE TRIGGER IF NOT EXISTS audit_log_no_delete BEFORE DELETE ON audit_log "
            "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only (DELETE refused)'); END"
        )
        return
    op.drop_column("audit_log", "row_hash")
    op.drop_column("audit_log", "prev_hash")
