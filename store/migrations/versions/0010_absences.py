"""Absences: holiday watch periods of members (seen by the mairie, the open gendarmerie and one trusted neighbour).

Revision ID: 0010_absences
Revises: 0001_foundation
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_absences"
down_revision = "0001_foundation"
branch_labels = ("absences",)
depends_on = "0002_members"


def upgrade() -> None:
    op.create_table(
        "absences",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("commune_id", sa.Integer, sa.ForeignKey("communes.id", ondelete="CASCADE"), nullable=False),
        sa.Column("member_id", sa.Integer, sa.ForeignKey("members.id", ondelete="CASCADE"), nullable=False),
        sa.Column("starts_on", sa.Date, nullable=False),
        sa.Column("ends_on", sa.Date, nullable=False),
        sa.Column("trusted_member_id", sa.Integer, sa.ForeignKey("members.id", ondelete="SET NULL")),
        sa.Column("home_x_m", sa.Float, nullable=False),
        sa.Column("home_y_m", sa.Float, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cancelled_at", sa.DateTime(timezone=True)),
        sa.CheckConstraint("ends_on >= starts_on", name="ck_absences_period"),
    )
    op.create_index("ix_absences_member_id", "absences", ["member_id"])
    op.create_index("ix_absences_commune_period", "absences", ["commune_id", "ends_on", "starts_on"])


def downgrade() -> None:
    op.drop_index("ix_absences_commune_period", table_name="absences")
    op.drop_index("ix_absences_member_id", table_name="absences")
    op.drop_table("absences")
