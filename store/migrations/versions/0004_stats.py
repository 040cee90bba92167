"""Statistics: SSMSI crime figures (communes and départements, all years, reference tables).

Revision ID: 0004_stats
Revises: 0001_foundation
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_stats"
down_revision = "0001_foundation"
branch_labels = ("stats",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ssmsi_figures",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("level", sa.String(12), nullable=False),
        sa.Column("code", sa.String(5), nullable=False),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("indicator", sa.String(80), nullable=False),
        sa.Column("label", sa.String(200), nullable=False),
        sa.Column("unit", sa.String(60), nullable=False),
        sa.Column("published", sa.Boolean, nullable=False),
        sa.Column("count", sa.Integer),
        sa.Column("rate", sa.Float),
        sa.Column("rate_base", sa.String(12), nullable=False),
        sa.Column("population", sa.Float),
        sa.Column("population_year", sa.Integer),
        sa.Column("housing", sa.Float),
        sa.Column("housing_year", sa.Integer),
        sa.Column("withheld_avg_count", sa.Float),
        sa.Column("withheld_avg_rate", sa.Float),
        sa.Column("edition", sa.Integer, nullable=False),
        sa.Column("file_name", sa.String(300), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index(
        "uq_ssmsi_figures_key", "ssmsi_figures", ["source", "level", "code", "year", "indicator"], unique=True
    )
    op.create_index("ix_ssmsi_figures_code_year", "ssmsi_figures", ["code", "year"])


def downgrade() -> None:
    op.drop_table("ssmsi_figures")
