"""Statistics: SSMSI crime figures, indicators beside the département, alert figures, exports, reports.

Imports only ``gis`` and ``store``.
"""

from stats._catalogue import BY_KEY, DEPARTEMENTS, Indicator, departement_of, indicator_for
from stats._format import WITHHELD, fr_number, fr_rate
from stats._heat import bin_table, heat_sql, read_points
from stats._indicators import (
    HEADERS,
    CommuneView,
    IndicatorLine,
    available_years,
    commune_trend,
    commune_views,
    line_cells,
    view_rows,
)
from stats._ssmsi_read import LAYOUT_LABELS, Layout, detect_layout, expected_rate, read_ssmsi
from stats._ssmsi_store import ImportSummary, figure_count, import_ssmsi
from stats._text import text_table

__all__ = [
    "BY_KEY",
    "DEPARTEMENTS",
    "HEADERS",
    "LAYOUT_LABELS",
    "WITHHELD",
    "CommuneView",
    "ImportSummary",
    "Indicator",
    "IndicatorLine",
    "Layout",
    "available_years",
    "bin_table",
    "commune_trend",
    "commune_views",
    "departement_of",
    "detect_layout",
    "expected_rate",
    "figure_count",
    "fr_number",
    "fr_rate",
    "heat_sql",
    "import_ssmsi",
    "indicator_for",
    "line_cells",
    "read_points",
    "read_ssmsi",
    "text_table",
    "view_rows",
]
