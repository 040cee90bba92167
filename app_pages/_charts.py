"""The Altair charts of the staff pages (Vega-Lite drawn by Streamlit's own bundle: nothing from a CDN).

Rows are plain dicts; every label in them is data (Vega-Lite draws text, never HTML), so names typed by
people need no escaping here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import altair as alt

Rows = Sequence[dict[str, Any]]
LABEL_LIMIT_PX = 260  # room for a whole SSMSI indicator's label (« Vols sans violence contre des personnes »)


def _chart(rows: Rows) -> alt.Chart:
    return alt.Chart(alt.Data(values=list(rows)))


def side_by_side_bars(
    rows: Rows, *, value: str, label: str, series: str, value_format: str = ".2f", order: Sequence[str] | None = None
) -> alt.Chart:
    """Horizontal bars of ``value`` per ``label``, one bar per ``series`` side by side; labels in ``order`` (top
    first) when given, else alphabetically."""
    return (
        _chart(rows)
        .mark_bar()
        .encode(
            x=alt.X(f"{value}:Q"),
            y=alt.Y(
                f"{label}:N",
                title=None,
                axis=alt.Axis(labelLimit=LABEL_LIMIT_PX),
                sort=list(order) if order is not None else "ascending",
            ),
            yOffset=f"{series}:N",
            color=alt.Color(f"{series}:N", title=None),
            tooltip=[f"{label}:N", f"{series}:N", alt.Tooltip(f"{value}:Q", format=value_format)],
        )
    )


def series_lines(rows: Rows, *, x: str, value: str, series: str, value_format: str = ".2f") -> alt.Chart:
    """One line with points per ``series``, ``value`` against the ordinal ``x``."""
    return (
        _chart(rows)
        .mark_line(point=True)
        .encode(
            x=alt.X(f"{x}:O"),
            y=alt.Y(f"{value}:Q"),
            color=alt.Color(f"{series}:N", title=None),
            tooltip=[f"{x}:O", f"{series}:N", alt.Tooltip(f"{value}:Q", format=value_format)],
        )
    )


def stacked_weeks(rows: Rows, *, week: str, value: str, series: str) -> alt.Chart:
    """Bars per week (``week``: an ISO date, the Monday) stacked by ``series``; weeks given with zeros keep
    their place."""
    return (
        _chart(rows)
        .mark_bar()
        .encode(
            # Ordinal: one band per week (every week is in the rows, zeros included), labelled by its Monday.
            x=alt.X(f"{week}:O", timeUnit="yearmonthdate", title="Semaine du", axis=alt.Axis(format="%d/%m")),
            y=alt.Y(f"sum({value}):Q", title=value),
            color=alt.Color(f"{series}:N", title=None),
            tooltip=[alt.Tooltip(f"{week}:T", format="%d/%m/%Y", title="Semaine du"), f"{series}:N", f"{value}:Q"],
        )
    )
