"""Alerts: no planner statistics on the metric coordinates ``x_m``/``y_m``, so heat maps run in parallel.

The heat map groups a commune's alerts by cell keys computed from ``x_m``/``y_m`` (``floor(x_m / cell)``…).
PostgreSQL estimates the number of groups of such keys from the ndistinct of the columns they read: with
statistics, nearly one distinct value per alert, so it plans one cell per alert and rules out parallel partial
aggregation (gathering as many partial cells as rows looks no cheaper). Without statistics it assumes its
default (200 values per column, 40,000 cells), which is the right order of magnitude for a heat map, and on
1M alerts it plans a parallel scan with a partial hash aggregate per worker (square cells 0.30 s -> 0.21 s,
hexagons 0.43 s -> 0.26 s on two cores, measured when this was proposed).

The two columns serve no filter and no join: their statistics buy nothing else. ``SET STATISTICS 0`` stops
ANALYZE from collecting them; re-stating the columns' own type (no rewrite, no index rebuild) drops the
statistics an earlier ANALYZE already stored. SQLite has nothing to do.

Revision ID: 0013_alert_heat_estimates
Revises: 0006_alerts_version
"""

from __future__ import annotations

from alembic import op

revision = "0013_alert_heat_estimates"
down_revision = "0006_alerts_version"
branch_labels = None
depends_on = None

COLUMNS = ("x_m", "y_m")


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    clauses = [f"ALTER COLUMN {c} TYPE double precision, ALTER COLUMN {c} SET STATISTICS 0" for c in COLUMNS]
    op.execute(f"ALTER TABLE alerts {', '.join(clauses)}")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"ALTER TABLE alerts {', '.join(f'ALTER COLUMN {c} SET STATISTICS -1' for c in COLUMNS)}")
