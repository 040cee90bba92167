"""The quarterly report for the mairie–referents–gendarmerie meeting: its content, independent of the format.

:func:`build_quarterly_report` gathers everything (alert density map, alert figures, monitoring, SSMSI
comparison); :func:`stats.render_html` and :func:`stats.render_pdf` only lay it out.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer
from shapely.geometry.base import BaseGeometry
from sqlalchemy.orm import Session

from gis import SQUARE, HeatBins, bin_lonlat, bin_xy
from sectors import get_commune
from stats._alert_figures import alerts_frame, in_period, parse_quarter
from stats._exports import StatsTables, build_tables, comparison_year
from stats._indicators import CommuneView, commune_views
from stats._roles import is_staff

PALETTE = ("#fee5d9", "#fcbba1", "#fc9272", "#fb6a4a", "#de2d26", "#a50f15")
MONTHS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)


@dataclass
class MapData:
    """The density map in the commune's metric CRS: boundary rings, sector outlines, cells and their class."""

    crs: int
    bounds: tuple[float, float, float, float]
    boundary: list[np.ndarray]
    sectors: list[tuple[str, list[np.ndarray]]]
    cells: list[np.ndarray]
    cell_counts: list[int]
    cell_classes: list[int]
    legend: list[tuple[str, str]]  # (colour, label)
    streets: list[np.ndarray] = field(default_factory=list)  # street lines clipped to the commune
    labels: list[tuple[str, float, float]] = field(default_factory=list)  # sector name at a point inside it


@dataclass(frozen=True)
class ChartData:
    """A bar chart of the report: one bar per label; ``hidden`` bars are counts withheld for the reader."""

    title: str
    labels: tuple[str, ...]
    values: tuple[float, ...]
    hidden: tuple[bool, ...]


@dataclass
class QuarterlyReport:
    """Everything the quarterly report shows."""

    insee: str
    commune: str
    quarter: str
    period: str
    role: str
    generated_at: datetime
    alerts_in_quarter: int
    heat: HeatBins
    map: MapData
    tables: StatsTables
    ssmsi_views: list[CommuneView]
    notes: list[str] = field(default_factory=list)
    charts: list[ChartData] = field(default_factory=list)


def _rings(geom: BaseGeometry) -> list[np.ndarray]:
    rings = []
    for poly in getattr(geom, "geoms", [geom]):
        if poly.is_empty or poly.geom_type != "Polygon":
            continue
        rings.append(np.asarray(poly.exterior.coords))
        rings.extend(np.asarray(r.coords) for r in poly.interiors)
    return rings


def _classes(counts: np.ndarray) -> tuple[list[int], list[tuple[str, str]]]:
    if len(counts) == 0:
        return [], []
    top = int(counts.max())
    low = int(counts.min())
    n = min(len(PALETTE), top - low + 1)
    # Quantile classes: alert counts are skewed (a few hot spots), equal intervals would paint all else pale.
    inner = np.ceil(np.quantile(counts, np.linspace(0, 1, n + 1)[1:-1])) if n > 1 else np.array([])
    edges = np.unique(np.concatenate([[low], inner, [top + 1]]).astype(int))
    classes = np.clip(np.searchsorted(edges, counts, side="right") - 1, 0, len(edges) - 2)
    legend = []
    for k in range(len(edges) - 1):
        a, b = int(edges[k]), int(edges[k + 1]) - 1
        legend.append((PALETTE[k], f"{a}" if a == b else f"{a} à {b}"))
    return classes.tolist(), legend


def _lines(geom: BaseGeometry) -> list[np.ndarray]:
    parts = shapely.get_parts(shapely.line_merge(geom) if geom.geom_type == "MultiLineString" else geom)
    out = []
    for part in parts:
        for line in getattr(part, "geoms", [part]):
            if line.geom_type == "LineString" and not line.is_empty:
                out.append(np.asarray(line.coords))
    return out


def build_map(
    boundary: BaseGeometry,
    crs: int,
    heat: HeatBins,
    sectors: Iterable[Any] = (),
    streets: BaseGeometry | None = None,
) -> MapData:
    """Project the boundary, sector outlines (and their names' places) and the streets (lines in EPSG:4326,
    clipped to the commune) into the metric CRS, and classify the heat cells."""
    to_metric = Transformer.from_crs(4326, crs, always_xy=True)

    def project(geom: BaseGeometry) -> BaseGeometry:
        return shapely.transform(geom, lambda xy: np.column_stack(to_metric.transform(xy[:, 0], xy[:, 1])))

    metric_boundary = project(boundary)
    outlines, labels = [], []
    for s in sectors:
        geom = s.get("geom") if isinstance(s, dict) else getattr(s, "geom", None)
        if geom is not None:
            name = str(s.get("name") if isinstance(s, dict) else getattr(s, "name", ""))
            inside = project(geom).intersection(metric_boundary)
            outlines.append((name, _rings(inside)))
            if not inside.is_empty:
                spot = shapely.point_on_surface(inside)
                labels.append((name, float(spot.x), float(spot.y)))
    lines = _lines(project(streets).intersection(metric_boundary)) if streets is not None else []
    cells = heat.polygons(to_crs=None)
    classes, legend = _classes(heat.count)
    minx, miny, maxx, maxy = metric_boundary.bounds
    if len(cells):
        cx0, cy0, cx1, cy1 = shapely.total_bounds(cells)
        minx, miny, maxx, maxy = min(minx, cx0), min(miny, cy0), max(maxx, cx1), max(maxy, cy1)
    return MapData(
        crs=crs,
        bounds=(minx, miny, maxx, maxy),
        boundary=_rings(metric_boundary),
        sectors=outlines,
        cells=[np.asarray(c.exterior.coords) for c in cells],
        cell_counts=[int(c) for c in heat.count],
        cell_classes=classes,
        legend=legend,
        streets=lines,
        labels=labels,
    )


MAX_BARS = 40
# The count tables drawn as bar charts: (table, label column, title).
CHARTED = (
    ("alertes_par_categorie", "categorie", "Alertes publiées par catégorie"),
    ("alertes_par_mois", "mois", "Alertes publiées par mois"),
    ("alertes_par_secteur", "secteur", "Alertes publiées par secteur"),
)


def report_charts(tables: StatsTables) -> list[ChartData]:
    """Bar charts of the count tables, from the tables as the reader gets them: a count hidden in a table
    (``< N``) is a hidden bar in its chart, never its value. Tables without rows give no chart."""
    charts = []
    for name, label_column, title in CHARTED:
        frame = tables.tables.get(name)
        if frame is None or frame.empty or "alertes" not in frame:
            continue
        if len(frame) > MAX_BARS:  # a commune of 200 sectors: the busiest ones, on one page
            frame = frame.assign(_n=pd.to_numeric(frame["alertes"], errors="coerce").fillna(0))
            frame = frame.nlargest(MAX_BARS, "_n", keep="first").drop(columns="_n")
            title = f"{title} (les {MAX_BARS} premiers)"
        counts = pd.to_numeric(frame["alertes"], errors="coerce")
        hidden = counts.isna()
        charts.append(
            ChartData(
                title,
                tuple(str(v) for v in frame[label_column]),
                tuple(0.0 if h else float(v) for v, h in zip(counts, hidden, strict=True)),
                tuple(bool(h) for h in hidden),
            )
        )
    return charts


def _period_label(start: pd.Timestamp, end: pd.Timestamp) -> str:
    last = end - pd.Timedelta(days=1)
    return f"du 1er {MONTHS[start.month - 1]} au {last.day} {MONTHS[last.month - 1]} {last.year}"


def build_quarterly_report(
    session: Session,
    insee: str,
    quarter: str,
    *,
    alerts: Iterable[Any] | pd.DataFrame = (),
    sectors: Iterable[Any] = (),
    members: Iterable[Any] | pd.DataFrame = (),
    role: str = "mairie-admin",
    min_count: int = 5,
    heat_min_count: int = 5,
    cell_m: float = 250.0,
    heat_shape: str = SQUARE,
    notes: Iterable[str] = (),
    from_database: bool = False,
    streets: BaseGeometry | None = None,
) -> QuarterlyReport:
    """Gather the quarterly report of a registered commune.

    Parameters
    ----------
    session
        Open session (the commune and the SSMSI figures are read from it).
    insee, quarter
        The commune and the quarter (``2026-Q3``).
    alerts, sectors, members
        Plain records (see :mod:`stats._alert_figures`). Sector records may carry a ``geom`` (EPSG:4326) to
        outline sectors on the map.
    role
        Who reads the report: non-staff roles get no small counts and no sparse heat cells.
    min_count, heat_min_count, cell_m, heat_shape
        Settings ``stats_min_count``, ``heat_min_count``, ``heat_cell_m``, and the cell shape.
    notes
        Notes of the data source printed with the report (e.g. how households were counted).
    from_database
        The records were read from the database (:func:`stats.quarterly_report_from_db`), not given by hand.
    streets
        The commune's streets (lines, EPSG:4326) drawn under the map; None: a note says there are none.
    """
    commune = get_commune(session, insee)
    start, end = parse_quarter(quarter)
    sector_list = list(sectors)
    frame = alerts_frame(alerts)
    in_quarter = in_period(frame, start, end)
    shown = in_quarter[in_quarter["published"]]
    notes = list(notes)
    if frame.empty and from_database:
        notes.append("Aucune alerte enregistrée pour la commune sur ce trimestre.")
    elif frame.empty:
        notes.append("Aucune alerte n'a été fournie pour ce rapport : les chiffres d'alertes et la carte sont vides.")
    minimum = 1 if is_staff(role) else heat_min_count
    # Alerts without a point (anonymised after the retention period) count in the figures, not on the map.
    if {"x_m", "y_m"} <= set(shown.columns):
        located = shown[shown["x_m"].notna() & shown["y_m"].notna()]
        x, y = located["x_m"].to_numpy(float), located["y_m"].to_numpy(float)
        heat = bin_xy(x, y, cell_m, heat_shape, commune.crs_epsg)
        heat = heat.at_least(minimum) if minimum > 1 else heat
    else:
        located = shown[shown["lon"].notna() & shown["lat"].notna()]
        heat = bin_lonlat(
            located["lon"].to_numpy(float),
            located["lat"].to_numpy(float),
            commune.crs_epsg,
            cell_m,
            heat_shape,
            min_count=minimum,
        )
    if minimum > 1:
        notes.append(f"Carte : les cellules de moins de {minimum} alertes ne sont pas affichées.")
    if not is_staff(role):
        notes.append(f"Les effectifs inférieurs à {min_count} sont masqués (« < {min_count} »).")
    tables = build_tables(
        session,
        insee,
        role=role,
        min_count=min_count,
        year=start.year,
        alerts=in_quarter,
        sectors=sector_list,
        members=members,
    )
    year = comparison_year(session, insee, start.year)
    views = commune_views(session, insee, year) if year is not None else []
    if streets is None:
        notes.append("Carte : aucun fichier de rues pour la commune, les rues ne sont pas tracées.")
    if year is None:
        notes.append("Aucun chiffre SSMSI importé pour cette commune : « voisinage stats import FICHIER ».")
    elif year != start.year:
        notes.append(f"Chiffres de la délinquance enregistrée : dernière année disponible, {year}.")
    return QuarterlyReport(
        insee=insee,
        commune=commune.name,
        quarter=quarter.strip().upper(),
        period=_period_label(start, end),
        role=role,
        generated_at=datetime.now(UTC),
        alerts_in_quarter=len(shown),
        heat=heat,
        map=build_map(commune.boundary, commune.crs_epsg, heat, sector_list, streets),
        tables=tables,
        ssmsi_views=views,
        notes=notes,
        charts=report_charts(tables),
    )
