"""Alerts: a change counter, so that in-process caches of the embedded backend notice every change.

On SQLite, triggers add one to ``alerts_version.n`` at each insert, update (moderation, anonymisation…) or
delete of an alert; a cache compares one small row instead of re-reading the alerts. On PostgreSQL the table
exists (one schema) but no trigger feeds it: a counter row written by every post would serialise them, and
PostGIS answers heat maps in SQL anyway.

Revision ID: 0006_alerts_version
Revises: 0005_alert_heat_index
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_alerts_version"
down_revision = "0005_alert_heat_index"
branch_labels = None
depends_on = None

EVENTS = ("INSERT", "UPDATE", "DELETE")


def upgrade() -> None:
    op.create_table(
        "alerts_version",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("n", sa.BigInteger, nullable=False),
        sa.CheckConstraint("id = 1", name="ck_alerts_version_single_row"),
    )
    op.execute("INSERT INTO alerts_version (id, n) VALUES (1, 0)")
    if op.get_bind().dialect.name == "sqlite":
        for event in EVENTS:
            op.execute(
                f"CREATE TRIGGER alerts_version_{event.lower()} AFTER {event} ON alerts BEGIN "
                "UPDATE alerts_version SET n = n + 1 WHERE id = 1; END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for event in EVENTS:
            op.execute(f"DROP TRIGGER IF EXISTS alerts_version_{event.lower()}")
    op.drop_table("alerts_version")
