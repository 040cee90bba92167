"""Foundation: communes, versioned sector sets, sectors.

Revision ID: 0001_foundation
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from store._spatial_index import rtree_ddl, rtree_drop_ddl
from store._types import GeometryColumn

revision = "0001_foundation"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    op.create_table(
        "communes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("insee", sa.String(5), nullable=False, unique=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("crs_epsg", sa.Integer, nullable=False),
        sa.Column("boundary", GeometryColumn("MULTIPOLYGON"), nullable=False),
        sa.Column("area_m2", sa.Float, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "sector_sets",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("commune_id", sa.Integer, sa.ForeignKey("communes.id", ondelete="CASCADE"), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("label", sa.String(200), nullable=False),
        sa.Column("source", sa.String(500), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("activated_at", sa.DateTime(timezone=True)),
        sa.Column("retired_at", sa.DateTime(timezone=True)),
    )
    op.create_index(
        "uq_sector_sets_one_active",
        "sector_sets",
        ["commune_id"],
        unique=True,
        postgresql_where=sa.text("status = 'active'"),
        sqlite_where=sa.text("status = 'active'"),
    )
    op.create_index("uq_sector_sets_version", "sector_sets", ["commune_id", "version"], unique=True)
    op.create_table(
        "sectors",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("sector_set_id", sa.Integer, sa.ForeignKey("sector_sets.id", ondelete="CASCADE"), nullable=False),
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("referent_places", sa.Integer, nullable=False),
        sa.Column("area_m2", sa.Float, nullable=False),
        sa.Column("geom", GeometryColumn("MULTIPOLYGON"), nullable=False),
        sa.Column("minx", sa.Float, nullable=False),
        sa.Column("miny", sa.Float, nullable=False),
        sa.Column("maxx", sa.Float, nullable=False),
        sa.Column("maxy", sa.Float, nullable=False),
        sa.CheckConstraint("referent_places BETWEEN 1 AND 10", name="ck_sectors_referent_places"),
    )
    op.create_index("uq_sectors_code", "sectors", ["sector_set_id", "code"], unique=True)
    op.create_index("ix_sectors_set", "sectors", ["sector_set_id", "id"])
    if postgres:
        op.create_index("ix_sectors_geom", "sectors", ["geom"], postgresql_using="gist")
        op.create_index("ix_communes_boundary", "communes", ["boundary"], postgresql_using="gist")
    else:
        for statement in rtree_ddl("sectors"):
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        for statement in rtree_drop_ddl("sectors"):
            op.execute(statement)
    op.drop_table("sectors")
    op.drop_table("sector_sets")
    op.drop_table("communes")
