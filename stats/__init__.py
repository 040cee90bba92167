"""Statistics: SSMSI crime figures, indicators beside the département, alert figures, exports, reports.

Imports only ``gis`` and ``store``. Alert figures, monitoring, exports and the quarterly report take plain
alert / sector / member records; their expected shape is documented in ``stats._alert_figures``
(:data:`ALERT_FIELDS`, :data:`SECTOR_FIELDS`, :data:`MEMBER_FIELDS`).
"""

from stats._alert_figures import (
    ALERT_FIELDS,
    CATEGORY_INDICATORS,
    MEMBER_FIELDS,
    SECTOR_FIELDS,
    Monitoring,
    alerts_frame,
    categories_beside_ssmsi,
    counts_by,
    hide_small,
    in_period,
    members_frame,
    monitoring,
    parse_quarter,
    rates_by_sector,
    sectors_frame,
)
from stats._catalogue import BY_KEY, DEPARTEMENTS, Indicator, departement_of, indicator_for
from stats._exports import StatsTables, build_tables, write_csv, write_excel
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
from stats._report import MapData, QuarterlyReport, build_map, build_quarterly_report
from stats._report_render import render_html, render_pdf, sections
from stats._roles import STAFF_ROLES, is_staff
from stats._ssmsi_read import LAYOUT_LABELS, Layout, detect_layout, expected_rate, read_ssmsi
from stats._ssmsi_store import ImportSummary, figure_count, import_ssmsi
from stats._text import text_table

__all__ = [
    "ALERT_FIELDS",
    "BY_KEY",
    "CATEGORY_INDICATORS",
    "DEPARTEMENTS",
    "HEADERS",
    "LAYOUT_LABELS",
    "MEMBER_FIELDS",
    "SECTOR_FIELDS",
    "STAFF_ROLES",
    "WITHHELD",
    "CommuneView",
    "ImportSummary",
    "Indicator",
    "IndicatorLine",
    "Layout",
    "MapData",
    "Monitoring",
    "QuarterlyReport",
    "StatsTables",
    "alerts_frame",
    "available_years",
    "bin_table",
    "build_map",
    "build_quarterly_report",
    "build_tables",
    "categories_beside_ssmsi",
    "commune_trend",
    "commune_views",
    "counts_by",
    "departement_of",
    "detect_layout",
    "expected_rate",
    "figure_count",
    "fr_number",
    "fr_rate",
    "heat_sql",
    "hide_small",
    "import_ssmsi",
    "in_period",
    "indicator_for",
    "is_staff",
    "line_cells",
    "members_frame",
    "monitoring",
    "parse_quarter",
    "rates_by_sector",
    "read_points",
    "read_ssmsi",
    "render_html",
    "render_pdf",
    "sections",
    "sectors_frame",
    "text_table",
    "view_rows",
    "write_csv",
    "write_excel",
]
