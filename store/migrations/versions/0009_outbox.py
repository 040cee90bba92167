"""Notifications: the outbox, members' channel choices, inbound SMS nonces and counters.

``outbox`` and ``notify_prefs`` hold commune data: on PostgreSQL they get row-level security (ENABLE + FORCE)
with the same policy as the alerts tables (``commune_id`` equals the transaction's ``voisinage.commune_id``).
``sms_nonces`` and ``notify_counters`` hold no commune data (a nonce, a per-day count).

Revision ID: 0009_outbox
Revises: 0001_foundation
Depends on: 0002_members, 0006_alerts_version
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_outbox"
down_revision = "0001_foundation"
branch_labels = ("notify",)
depends_on = ("0002_members", "0006_alerts_version")

TS = sa.DateTime(timezone=True)
RLS_TABLES = ("outbox", "notify_prefs")
APP_ROLE = "voisinage_app"
COMMUNE_SETTING = "NULLIF(current_setting('voisinage.commune_id', true), '')::integer"


def upgrade() -> None:
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("commune_id", sa.Integer, sa.ForeignKey("communes.id", ondelete="CASCADE"), nullable=False),
        sa.Column("dedup_key", sa.String(200), nullable=False, unique=True),
        sa.Column("member_id", sa.Integer, sa.ForeignKey("members.id", ondelete="CASCADE")),
        sa.Column("channel", sa.String(8), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("alert_id", sa.Integer),
        sa.Column("urgent", sa.Boolean, nullable=False),
        sa.Column("recipient", sa.String(254), nullable=False),
        sa.Column("subject", sa.String(300), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("link", sa.String(500), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", TS, nullable=False),
        sa.Column("lease_until", TS),
        sa.Column("last_error", sa.String(500), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("sent_at", TS),
        sa.Column("read_at", TS),
    )
    op.create_index("ix_outbox_due", "outbox", ["commune_id", "status", "next_attempt_at"])
    op.create_index("ix_outbox_member", "outbox", ["member_id", "channel", "id"])
    op.create_index("ix_outbox_alert", "outbox", ["alert_id"])
    op.create_table(
        "notify_prefs",
        sa.Column("member_id", sa.Integer, sa.ForeignKey("members.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("commune_id", sa.Integer, sa.ForeignKey("communes.id", ondelete="CASCADE"), nullable=False),
        sa.Column("email_on", sa.Boolean, nullable=False),
        sa.Column("sms_on", sa.Boolean, nullable=False),
        sa.Column("phone", sa.String(20)),
        sa.Column("quiet_from", sa.Integer),
        sa.Column("quiet_to", sa.Integer),
        sa.Column("digest", sa.Boolean, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
    )
    op.create_index("ix_notify_prefs_phone", "notify_prefs", ["phone"])
    op.create_table(
        "sms_nonces",
        sa.Column("nonce", sa.String(100), primary_key=True),
        sa.Column("seen_at", TS, nullable=False),
    )
    op.create_table(
        "notify_counters",
        sa.Column("name", sa.String(60), primary_key=True),
        sa.Column("n", sa.BigInteger, nullable=False),
    )
    if op.get_bind().dialect.name == "postgresql":
        _row_level_security()


def _row_level_security() -> None:
    for table in RLS_TABLES:
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        op.execute(
            f"CREATE POLICY {table}_commune_isolation ON {table} "
            f"USING (commune_id = {COMMUNE_SETTING}) WITH CHECK (commune_id = {COMMUNE_SETTING})"
        )
    op.execute(
        f"""
        DO $$
        BEGIN
            IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{APP_ROLE}') THEN
                EXECUTE 'GRANT SELECT, INSERT, UPDATE, DELETE ON outbox, notify_prefs, sms_nonces, notify_counters '
                        'TO {APP_ROLE}';
                EXECUTE 'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {APP_ROLE}';
            END IF;
        EXCEPTION WHEN insufficient_privilege THEN
            RAISE NOTICE 'grants to {APP_ROLE} not given (insufficient privilege)';
        END
        $$
        """
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in RLS_TABLES:
            op.execute(f"DROP POLICY IF EXISTS {table}_commune_isolation ON {table}")
    for table in ("notify_counters", "sms_nonces", "notify_prefs", "outbox"):
        op.drop_table(table)
