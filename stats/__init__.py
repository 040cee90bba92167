"""Statistics: SSMSI crime figures, indicators beside the département, alert figures, exports, reports.

Alert figures, monitoring, exports and the quarterly report are pure functions over plain alert / sector /
member records; their shape is documented in ``stats._alert_figures`` (:data:`ALERT_FIELDS`,
:data:`SECTOR_FIELDS`, :data:`MEMBER_FIELDS`). The data layer (:mod:`stats._sources`) reads those records from
the alerts, members, sectors and address tables (:func:`load_records`), bins the stored alerts for heat maps
(:func:`alert_heat`), and :func:`quarterly_report_from_db` / :func:`tables_from_db` are what the edges call.
Who sees what comes from the community domain's permission matrix (:func:`is_staff`).

Imports ``gis``, ``store``, ``sectors``, ``community`` (roles, gendarmerie access) and ``alerts`` (the
commune-bound transaction, categories, statuses).
"""

from typing import TYPE_CHECKING

from gis._lazy import lazy_exports

if TYPE_CHECKING:
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
    from stats._from_db import check_reader, quarterly_report_from_db, tables_from_db
    from stats._heat import bin_in, bin_table, heat_sql, read_points
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
    from stats._roles import ROLES, STAFF_ROLES, as_role, is_staff, role_label
    from stats._sources import CommuneRecords, alert_heat, households_by_sector, load_records, warm_heat
    from stats._ssmsi_read import LAYOUT_LABELS, Layout, detect_layout, expected_rate, read_ssmsi
    from stats._ssmsi_store import ImportSummary, figure_count, import_ssmsi
    from stats._text import text_table

__getattr__, __dir__ = lazy_exports(__name__)

__all__ = [
    "ALERT_FIELDS",
    "BY_KEY",
    "CATEGORY_INDICATORS",
    "DEPARTEMENTS",
    "HEADERS",
    "LAYOUT_LABELS",
    "MEMBER_FIELDS",
    "ROLES",
    "SECTOR_FIELDS",
    "STAFF_ROLES",
    "WITHHELD",
    "CommuneRecords",
    "CommuneView",
    "ImportSummary",
    "Indicator",
    "IndicatorLine",
    "Layout",
    "MapData",
    "Monitoring",
    "QuarterlyReport",
    "StatsTables",
    "alert_heat",
    "alerts_frame",
    "as_role",
    "available_years",
    "bin_in",
    "bin_table",
    "build_map",
    "build_quarterly_report",
    "build_tables",
    "categories_beside_ssmsi",
    "check_reader",
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
    "households_by_sector",
    "import_ssmsi",
    "in_period",
    "indicator_for",
    "is_staff",
    "line_cells",
    "load_records",
    "members_frame",
    "monitoring",
    "parse_quarter",
    "quarterly_report_from_db",
    "rates_by_sector",
    "read_points",
    "read_ssmsi",
    "render_html",
    "render_pdf",
    "role_label",
    "sections",
    "sectors_frame",
    "tables_from_db",
    "text_table",
    "view_rows",
    "warm_heat",
    "write_csv",
    "write_excel",
]
