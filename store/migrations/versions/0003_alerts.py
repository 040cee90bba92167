"""Alerts: alerts, their diffusion sectors, moderation history, per-commune settings and categories.

On PostgreSQL every alerts table gets row-level security (ENABLE + FORCE) isolating communes: a row is
visible and writable only when ``commune_id`` equals the transaction's ``voisinage.commune_id`` setting
(``SET LOCAL``, see ``alerts/_store.py``). Superusers bypass row-level security, so the migration also
creates a NOLOGIN role ``voisinage_app`` that scoped transactions switch to (``SET LOCAL ROLE``) when the
connecting user is a superuser or has BYPASSRLS.

Revision ID: 0003_alerts
Revises: 0001_foundation
Depends on: 0002_members
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from store._types import GeometryColumn

revision = "0003_alerts"
down_revision = "0001_foundation"
branch_labels = ("alerts",)
depends_on = "0002_members"

TS = sa.DateTime(timezone=True)
RLS_TABLES = ("alerts", "alert_sectors", "alert_events", "alert_categories", "alert_commune_settings")
APP_ROLE = "voisinage_app"
COMMUNE_SETTING = "NULLIF(current_setting('voisinage.commune_id', true), '')::integer"


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    op.create_table(
        "alert_commune_settings",
        sa.Column("commune_id", sa.Integer, sa.ForeignKey("communes.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("premoderation", sa.Boolean, nullable=False),
        sa.Column("check_policy", sa.String(300), nullable=False),
        sa.Column("updated_at", TS, nullable=False),
    )
    op.create_table(
        "alert_categories",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("commune_id", sa.Integer, sa.ForeignKey("communes.id", ondelete="CASCADE"), nullable=False),
        sa.Column("code", sa.String(40), nullable=False),
        sa.Column("label", sa.String(80), nullable=False),
        sa.Column("family", sa.String(12), nullable=False),
        sa.Column("enabled", sa.Boolean, nullable=False),
        sa.UniqueConstraint("commune_id", "code", name="uq_alert_categories_code"),
    )
    op.create_table(
        "alerts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("commune_id", sa.Integer, sa.ForeignKey("communes.id", ondelete="CASCADE"), nullable=False),
        sa.Column("sector_set_id", sa.Integer, sa.ForeignKey("sector_sets.id", ondelete="RESTRICT"), nullable=False),
        sa.Column("author_id", sa.Integer, sa.ForeignKey("members.id", ondelete="SET NULL")),
        sa.Column("idempotency_key", sa.String(100)),
        sa.Column("category", sa.String(40), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("original_text", sa.Text),
        sa.Column("check_outcome", sa.String(16), nullable=False),
        sa.Column("check_findings", sa.Text, nullable=False),
        sa.Column("location", GeometryColumn("POINT")),
        sa.Column("x_m", sa.Float),
        sa.Column("y_m", sa.Float),
        sa.Column("address_text", sa.String(300), nullable=False),
        sa.Column("display_kind", sa.String(10), nullable=False),
        sa.Column("display_label", sa.String(200), nullable=False),
        sa.Column("display_geom", GeometryColumn("GEOMETRY"), nullable=False),
        sa.Column("display_lon", sa.Float, nullable=False),
        sa.Column("display_lat", sa.Float, nullable=False),
        sa.Column("perimeter", GeometryColumn("MULTIPOLYGON"), nullable=False),
        sa.Column("scope", sa.String(10), nullable=False),
        sa.Column("claim_by_id", sa.Integer),
        sa.Column("claim_name", sa.String(200), nullable=False),
        sa.Column("claim_since", TS),
        sa.Column("claim_until", TS),
        sa.Column("reject_reason", sa.String(1000), nullable=False),
        sa.Column("appeal_text", sa.Text, nullable=False),
        sa.Column("feedback", sa.Text, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("published_at", TS),
        sa.Column("closed_at", TS),
        sa.Column("anonymised_at", TS),
        sa.UniqueConstraint("author_id", "idempotency_key", name="uq_alerts_idempotency"),
    )
    op.create_index("ix_alerts_commune_status", "alerts", ["commune_id", "status", "id"])
    op.create_index("ix_alerts_author_created", "alerts", ["author_id", "created_at"])
    op.create_index("ix_alerts_commune_category_created", "alerts", ["commune_id", "category", "created_at"])
    op.create_table(
        "alert_sectors",
        sa.Column("alert_id", sa.Integer, sa.ForeignKey("alerts.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("sector_code", sa.String(64), primary_key=True),
        sa.Column("commune_id", sa.Integer, sa.ForeignKey("communes.id", ondelete="CASCADE"), nullable=False),
        sa.Column("sector_id", sa.Integer, sa.ForeignKey("sectors.id", ondelete="RESTRICT"), nullable=False),
        sa.Column("home", sa.Boolean, nullable=False),
    )
    op.create_index("ix_alert_sectors_feed", "alert_sectors", ["commune_id", "sector_code", "alert_id"])
    op.create_table(
        "alert_events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("alert_id", sa.Integer, sa.ForeignKey("alerts.id", ondelete="CASCADE"), nullable=False),
        sa.Column("commune_id", sa.Integer, sa.ForeignKey("communes.id", ondelete="CASCADE"), nullable=False),
        sa.Column("move", sa.String(16), nullable=False),
        sa.Column("actor_id", sa.Integer),
        sa.Column("at", TS, nullable=False),
        sa.Column("from_status", sa.String(16)),
        sa.Column("to_status", sa.String(16), nullable=False),
        sa.Column("detail", sa.Text, nullable=False),
    )
    op.create_index("ix_alert_events_alert", "alert_events", ["alert_id", "id"])
    if postgres:
        op.create_index("ix_alerts_perimeter", "alerts", ["perimeter"], postgresql_using="gist")
        _row_level_security()


def _row_level_security() -> None:
    for table in RLS_TABLES:
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        op.execute(
            f"CREATE POLICY {table}_commune_isolation ON {table} "
            f"USING (commune_id = {COMMUNE_SETTING}) WITH CHECK (commune_id = {COMMUNE_SETTING})"
        )
    # The role scoped transactions use when the connecting user would bypass row-level security.
    op.execute(
        f"""
        DO $$
        BEGIN
            IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{APP_ROLE}') THEN
                CREATE ROLE {APP_ROLE} NOLOGIN;
            END IF;
            EXECUTE 'GRANT USAGE ON SCHEMA public TO {APP_ROLE}';
            EXECUTE 'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {APP_ROLE}';
            EXECUTE 'GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {APP_ROLE}';
            EXECUTE 'ALTER DEFAULT PRIVILEGES IN SCHEMA public '
                    'GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {APP_ROLE}';
            EXECUTE 'ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {APP_ROLE}';
            EXECUTE format('GRANT {APP_ROLE} TO %I', current_user);
        EXCEPTION WHEN insufficient_privilege THEN
            RAISE NOTICE 'role {APP_ROLE} not set up (insufficient privilege): connect as a non-superuser owner';
        END
        $$
        """
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in RLS_TABLES:
            op.execute(f"DROP POLICY IF EXISTS {table}_commune_isolation ON {table}")
    for table in ("alert_events", "alert_sectors", "alerts", "alert_categories", "alert_commune_settings"):
        op.drop_table(table)
