"""Members: BAN addresses, accounts, charter, referents, sanctions, gendarmerie access, append-only audit log.

Revision ID: 0002_members
Revises: 0001_foundation
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_members"
down_revision = "0001_foundation"
branch_labels = ("members",)
depends_on = None

TS = sa.DateTime(timezone=True)

# The audit log is append-only: the database itself refuses to change or remove a line.
PG_AUDIT_FUNCTION = """
CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only (% refused)', TG_OP;
END;
$$ LANGUAGE plpgsql
"""
PG_AUDIT_TRIGGER = (
    "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log "
    "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()"
)
SQLITE_AUDIT_TRIGGERS = [
    "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log "
    "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only (UPDATE refused)'); END",
    "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log "
    "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only (DELETE refused)'); END",
]


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    op.create_table(
        "address_imports",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("source", sa.String(500), nullable=False),
        sa.Column("rows", sa.Integer, nullable=False),
        sa.Column("inserted", sa.Integer, nullable=False),
        sa.Column("updated", sa.Integer, nullable=False),
        sa.Column("imported_at", TS, nullable=False),
    )
    op.create_table(
        "addresses",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("ban_id", sa.String(64), nullable=False, unique=True),
        sa.Column("insee", sa.String(5), nullable=False),
        sa.Column("numero", sa.Integer),
        sa.Column("rep", sa.String(16), nullable=False),
        sa.Column("nom_voie", sa.String(200), nullable=False),
        sa.Column("nom_ld", sa.String(200), nullable=False),
        sa.Column("code_postal", sa.String(5), nullable=False),
        sa.Column("nom_commune", sa.String(200), nullable=False),
        sa.Column("lon", sa.Float, nullable=False),
        sa.Column("lat", sa.Float, nullable=False),
        sa.Column("certified", sa.Boolean, nullable=False),
        sa.Column("import_id", sa.Integer, sa.ForeignKey("address_imports.id"), nullable=False),
    )
    op.create_index("ix_addresses_insee_lat", "addresses", ["insee", "lat"])

    op.create_table(
        "members",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("commune_id", sa.Integer, sa.ForeignKey("communes.id", ondelete="RESTRICT")),
        sa.Column("email", sa.String(254), unique=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("password_hash", sa.String(255)),
        sa.Column("totp_secret", sa.String(64)),
        sa.Column("totp_enabled", sa.Boolean, nullable=False),
        sa.Column("totp_last_step", sa.Integer),
        sa.Column("invitation_hash", sa.String(64), unique=True),
        sa.Column("invitation_expires_at", TS),
        sa.Column("address_label", sa.String(300), nullable=False),
        sa.Column("address_ban_id", sa.String(64)),
        sa.Column("lon", sa.Float),
        sa.Column("lat", sa.Float),
        sa.Column("sector_code", sa.String(64)),
        sa.Column("registered_via", sa.String(10), nullable=False),
        sa.Column("registered_by_id", sa.Integer),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
        sa.Column("verified_at", TS),
        sa.Column("verified_by_id", sa.Integer),
        sa.Column("verification_method", sa.String(40)),
        sa.Column("verification_note", sa.String(500)),
        sa.Column("refused_at", TS),
        sa.Column("refused_by_id", sa.Integer),
        sa.Column("refusal_reason", sa.String(500)),
        sa.Column("deleted_at", TS),
        sa.CheckConstraint("commune_id IS NOT NULL OR role = 'platform_admin'", name="ck_members_commune"),
    )
    op.create_index("ix_members_commune_sector", "members", ["commune_id", "sector_code"])
    op.create_index("ix_members_commune_status", "members", ["commune_id", "status"])

    op.create_table(
        "charters",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("commune_id", sa.Integer, sa.ForeignKey("communes.id", ondelete="CASCADE"), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("published_at", TS, nullable=False),
        sa.UniqueConstraint("commune_id", "version", name="uq_charters_version"),
    )
    op.create_table(
        "charter_acceptances",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("member_id", sa.Integer, sa.ForeignKey("members.id", ondelete="CASCADE"), nullable=False),
        sa.Column("charter_id", sa.Integer, sa.ForeignKey("charters.id", ondelete="CASCADE"), nullable=False),
        sa.Column("accepted_at", TS, nullable=False),
        sa.Column("channel", sa.String(10), nullable=False),
        sa.UniqueConstraint("member_id", "charter_id", name="uq_charter_acceptances"),
    )
    op.create_table(
        "auth_sessions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("member_id", sa.Integer, sa.ForeignKey("members.id", ondelete="CASCADE"), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("expires_at", TS, nullable=False),
        sa.Column("revoked_at", TS),
        sa.Column("mfa_ok", sa.Boolean, nullable=False),
    )
    op.create_index("ix_auth_sessions_member_id", "auth_sessions", ["member_id"])
    op.create_table(
        "login_attempts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("email_key", sa.String(64), nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.Column("success", sa.Boolean, nullable=False),
    )
    op.create_index("ix_login_attempts_key_at", "login_attempts", ["email_key", "at"])
    op.create_table(
        "referent_assignments",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("commune_id", sa.Integer, sa.ForeignKey("communes.id", ondelete="CASCADE"), nullable=False),
        sa.Column("member_id", sa.Integer, sa.ForeignKey("members.id", ondelete="CASCADE"), nullable=False),
        sa.Column("sector_code", sa.String(64), nullable=False),
        sa.Column("assigned_at", TS, nullable=False),
        sa.Column("assigned_by_id", sa.Integer),
        sa.Column("ended_at", TS),
    )
    op.create_index(
        "uq_referent_assignments_open",
        "referent_assignments",
        ["member_id", "sector_code"],
        unique=True,
        postgresql_where=sa.text("ended_at IS NULL"),
        sqlite_where=sa.text("ended_at IS NULL"),
    )
    op.create_index("ix_referent_assignments_sector", "referent_assignments", ["commune_id", "sector_code"])
    op.create_table(
        "sanctions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("member_id", sa.Integer, sa.ForeignKey("members.id", ondelete="CASCADE"), nullable=False),
        sa.Column("kind", sa.String(12), nullable=False),
        sa.Column("reason", sa.String(1000), nullable=False),
        sa.Column("starts_at", TS, nullable=False),
        sa.Column("ends_at", TS),
        sa.Column("created_by_id", sa.Integer),
        sa.Column("lifted_at", TS),
        sa.Column("lifted_by_id", sa.Integer),
        sa.CheckConstraint("kind <> 'suspension' OR ends_at IS NOT NULL", name="ck_sanctions_suspension_end"),
    )
    op.create_index("ix_sanctions_member_id", "sanctions", ["member_id"])
    op.create_table(
        "gendarmerie_access_changes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("commune_id", sa.Integer, sa.ForeignKey("communes.id", ondelete="CASCADE"), nullable=False),
        sa.Column("is_open", sa.Boolean, nullable=False),
        sa.Column("changed_at", TS, nullable=False),
        sa.Column("changed_by_id", sa.Integer),
        sa.Column("reason", sa.String(500), nullable=False),
    )
    op.create_index("ix_gendarmerie_access_commune", "gendarmerie_access_changes", ["commune_id", "id"])
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("commune_id", sa.Integer),
        sa.Column("at", TS, nullable=False),
        sa.Column("actor_id", sa.Integer),
        sa.Column("actor_role", sa.String(20), nullable=False),
        sa.Column("actor_label", sa.String(100), nullable=False),
        sa.Column("action", sa.String(20), nullable=False),
        sa.Column("object_type", sa.String(40), nullable=False),
        sa.Column("object_id", sa.String(64), nullable=False),
        sa.Column("details", sa.Text, nullable=False),
    )
    op.create_index("ix_audit_log_commune_at", "audit_log", ["commune_id", "at"])
    if postgres:
        op.execute(PG_AUDIT_FUNCTION)
        op.execute(PG_AUDIT_TRIGGER)
    else:
        for statement in SQLITE_AUDIT_TRIGGERS:
            op.execute(statement)


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    if postgres:
        op.execute("DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log")
        op.execute("DROP FUNCTION IF EXISTS audit_log_append_only()")
    for table in (
        "audit_log",
        "gendarmerie_access_changes",
        "sanctions",
        "referent_assignments",
        "login_attempts",
        "auth_sessions",
        "charter_acceptances",
        "charters",
        "members",
        "addresses",
        "address_imports",
    ):
        op.drop_table(table)
