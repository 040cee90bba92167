"""Lay the quarterly report out: HTML (every text escaped, map as inline SVG) and PDF (reportlab)."""

from __future__ import annotations

import html
import math
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import escape as xml_escape

import numpy as np
import pandas as pd

from stats._format import MISSING, fr_number
from stats._indicators import HEADERS, view_rows
from stats._report import ChartData, MapData, QuarterlyReport
from stats._roles import is_staff, role_label

if TYPE_CHECKING:
    from reportlab.graphics.shapes import Drawing

STREET_COLOUR = "#c8c8c8"
BAR_COLOUR = "#de2d26"
_TITLES = {
    "alertes_par_categorie": "Alertes par catégorie",
    "alertes_par_mois": "Alertes par mois",
    "alertes_par_secteur": "Alertes par secteur (pour 1 000 ménages)",
    "categories_et_ssmsi": "Catégories d'alertes et indicateurs SSMSI correspondants",
    "suivi_secteurs": "Suivi du dispositif : secteurs, membres, référents",
    "suivi_delais": "Suivi du dispositif : modération et prise en compte",
}


def _cell(value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return MISSING
    if isinstance(value, bool | np.bool_):
        return "oui" if value else "non"
    if isinstance(value, int | np.integer):
        return fr_number(int(value), 0)
    if isinstance(value, float | np.floating):
        return fr_number(float(value), 0 if float(value).is_integer() else 2)
    return str(value)


# Column names are ASCII identifiers (CSV, Excel); the report's headers are French, with their accents.
_HEADER_WORDS = {
    "annee": "année",
    "categorie": "catégorie",
    "delai": "délai",
    "delais": "délais",
    "departement": "département",
    "departementale": "départementale",
    "diffusees": "diffusées",
    "evolution": "évolution",
    "menages": "ménages",
    "moderation": "modération",
    "periode": "période",
    "publiees": "publiées",
    "referent": "référent",
    "referents": "référents",
    "verifies": "vérifiés",
    "pct": "(%)",
    "mille": "1 000",
    "1000": "1 000",
    "median": "médian",
    "mediane": "médiane",
}


def _header(name: str) -> str:
    words = [_HEADER_WORDS.get(w, w) for w in name.split("_")]
    return " ".join(words).capitalize()


def sections(report: QuarterlyReport) -> list[tuple[str, list[str], list[list[str]]]]:
    """The report's tables as (title, headers, rows of French text), shared by both formats."""
    out = []
    for view in report.ssmsi_views:
        out.append((f"Délinquance enregistrée — {view.title}", HEADERS, view_rows(view)))
    for name, title in _TITLES.items():
        frame = report.tables.tables.get(name)
        if frame is None:
            continue
        rows = [[_cell(v) for v in row] for row in frame.itertuples(index=False, name=None)]
        out.append((title, [_header(c) for c in frame.columns], rows))
    return out


def _summary(report: QuarterlyReport) -> list[str]:
    return [
        f"Commune : {report.commune} ({report.insee})",
        f"Période : {report.period} ({report.quarter})",
        "Alertes publiées sur la période : "
        + (
            fr_number(report.alerts_in_quarter, 0)
            if is_staff(report.role) or not 0 < report.alerts_in_quarter < report.tables.min_count
            else f"< {report.tables.min_count}"
        ),
        f"Édition : {role_label(report.role)}, le {report.generated_at:%d/%m/%Y à %H:%M} UTC",
    ]


def _cells_caption(report: QuarterlyReport) -> str:
    kind = "carrées" if report.heat.shape == "square" else "hexagonales"
    return f"Cellules {kind} de {fr_number(report.heat.cell_m, 0)} m, projection EPSG:{report.heat.crs}."


def _fit(data: MapData, width: float, height: float, margin: float = 6.0) -> Callable[[np.ndarray], np.ndarray]:
    minx, miny, maxx, maxy = data.bounds
    span_x, span_y = max(maxx - minx, 1.0), max(maxy - miny, 1.0)
    scale = min((width - 2 * margin) / span_x, (height - 2 * margin) / span_y)
    ox = margin + ((width - 2 * margin) - span_x * scale) / 2
    oy = margin + ((height - 2 * margin) - span_y * scale) / 2

    def to_page(ring: np.ndarray) -> np.ndarray:
        return np.column_stack([ox + (ring[:, 0] - minx) * scale, oy + (ring[:, 1] - miny) * scale])

    return to_page


# ---------------------------------------------------------------- HTML
def _svg(data: MapData, width: int = 640, height: int = 480) -> str:
    to_page = _fit(data, width, height)

    def points(ring: np.ndarray) -> str:
        xy = to_page(ring)
        return " ".join(f"{x:.1f},{height - y:.1f}" for x, y in xy)  # SVG's y axis points down

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        'role="img" aria-label="Carte de densité des alertes">'
    ]
    parts += [
        f'<polyline points="{points(line)}" fill="none" stroke="{STREET_COLOUR}" stroke-width="0.6"/>'
        for line in data.streets
    ]
    for ring, count, cls in zip(data.cells, data.cell_counts, data.cell_classes, strict=True):
        colour = data.legend[cls][0]
        parts.append(
            f'<polygon points="{points(ring)}" fill="{colour}" stroke="#ffffff" stroke-width="0.5">'
            f"<title>{html.escape(f'{count} alerte(s)')}</title></polygon>"
        )
    for name, rings in data.sectors:
        for ring in rings:
            parts.append(
                f'<polygon points="{points(ring)}" fill="none" stroke="#555555" stroke-dasharray="3,2">'
                f"<title>{html.escape(name)}</title></polygon>"
            )
    for ring in data.boundary:
        parts.append(f'<polygon points="{points(ring)}" fill="none" stroke="#222222" stroke-width="1.5"/>')
    for name, x, y in data.labels:
        ((px, py),) = to_page(np.array([[x, y]]))
        parts.append(
            f'<text x="{px:.1f}" y="{height - py:.1f}" text-anchor="middle" font-size="10" font-family="sans-serif" '
            f'fill="#111111" stroke="#ffffff" stroke-width="2" paint-order="stroke">{html.escape(name)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _svg_bars(chart: ChartData, width: int = 640, bar: int = 16) -> str:
    """A horizontal bar chart as inline SVG; hidden bars say « masqué » instead of a length."""
    left, top = 200, 4
    height = top * 2 + bar * len(chart.labels) * 1.4
    scale = (width - left - 60) / max(max(chart.values, default=0.0), 1.0)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height:.0f}" width="{width}" '
        f'height="{height:.0f}" role="img" aria-label="{html.escape(chart.title)}" font-family="sans-serif" '
        'font-size="11">'
    ]
    for k, (label, value, hidden) in enumerate(zip(chart.labels, chart.values, chart.hidden, strict=True)):
        y = top + k * bar * 1.4
        parts.append(f'<text x="{left - 6}" y="{y + bar * 0.75:.1f}" text-anchor="end">{html.escape(label)}</text>')
        shown = "masqué" if hidden else fr_number(value, 0)
        parts.append(
            f'<rect x="{left}" y="{y:.1f}" width="{value * scale:.1f}" height="{bar}" fill="{BAR_COLOUR}"/>'
            f'<text x="{left + value * scale + 4:.1f}" y="{y + bar * 0.75:.1f}">{html.escape(shown)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def render_html(report: QuarterlyReport) -> str:
    """The report as one self-contained HTML page (no network resources; every text escaped)."""
    e = html.escape
    body = [f"<h1>{e(f'Rapport trimestriel — {report.commune}')}</h1>", "<ul>"]
    body += [f"<li>{e(line)}</li>" for line in _summary(report)]
    body.append("</ul>")
    body += [f'<p class="note">{e(note)}</p>' for note in report.notes]
    body.append(f"<h2>{e('Densité des alertes publiées')}</h2>")
    body.append(_svg(report.map))
    if report.map.legend:
        body.append('<p class="legend">')
        body += [
            f'<span><i style="background:{colour}"></i>{e(label)} alerte(s)</span>'
            for colour, label in report.map.legend
        ]
        body.append("</p>")
    body.append(f"<p>{e(_cells_caption(report))}</p>")
    for chart in report.charts:
        body.append(f"<h2>{e(chart.title)}</h2>{_svg_bars(chart)}")
    for title, headers, rows in sections(report):
        body.append(f"<h2>{e(title)}</h2><table><thead><tr>")
        body += [f"<th>{e(h)}</th>" for h in headers]
        body.append("</tr></thead><tbody>")
        for row in rows:
            body.append("<tr>" + "".join(f"<td>{e(c)}</td>" for c in row) + "</tr>")
        body.append("</tbody></table>")
    style = (
        "body{font-family:sans-serif;max-width:60em;margin:2em auto;color:#222}"
        "table{border-collapse:collapse;margin:0.5em 0 1.5em}td,th{border:1px solid #ccc;padding:2px 6px;"
        "font-size:0.9em;text-align:left}.note{color:#8a4b00}.legend span{margin-right:1em}"
        ".legend i{display:inline-block;width:1em;height:1em;margin-right:0.3em;vertical-align:middle}"
    )
    return (
        '<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8">'
        f"<title>{e(f'Rapport trimestriel {report.quarter} — {report.commune}')}</title>"
        f"<style>{style}</style></head><body>{''.join(body)}</body></html>"
    )


# ---------------------------------------------------------------- PDF
def _pdf_text(text: str) -> str:
    """Escaped for reportlab's Paragraph markup, in the characters of its standard fonts (WinAnsi): the narrow
    no-break space of French number grouping becomes a no-break space."""
    return xml_escape(text.replace("\u202f", "\u00a0"))


def map_drawing(data: MapData, width: float, height: float) -> Drawing:
    """The density map as a reportlab Drawing: cells coloured by class, sector outlines, commune boundary."""
    from reportlab.graphics.shapes import Drawing, Polygon, PolyLine, String
    from reportlab.lib import colors

    drawing = Drawing(width, height)
    to_page = _fit(data, width, height)
    street = colors.HexColor(STREET_COLOUR)
    for line in data.streets:
        drawing.add(PolyLine(to_page(line).ravel().tolist(), strokeColor=street, strokeWidth=0.4))
    for ring, cls in zip(data.cells, data.cell_classes, strict=True):
        drawing.add(
            Polygon(
                to_page(ring).ravel().tolist(),
                fillColor=colors.HexColor(data.legend[cls][0]),
                strokeColor=colors.white,
                strokeWidth=0.3,
            )
        )
    for _name, rings in data.sectors:
        for ring in rings:
            drawing.add(
                Polygon(to_page(ring).ravel().tolist(), fillColor=None, strokeColor=colors.grey, strokeDashArray=[3, 2])
            )
    for ring in data.boundary:
        drawing.add(Polygon(to_page(ring).ravel().tolist(), fillColor=None, strokeColor=colors.black, strokeWidth=1))
    for name, x, y in data.labels:
        ((px, py),) = to_page(np.array([[x, y]]))
        drawing.add(String(px, py, _drawn_text(name), fontSize=6.5, textAnchor="middle", fillColor=colors.black))
    return drawing


def _drawn_text(text: str) -> str:
    """Text drawn in a reportlab Drawing (no markup there): only the narrow no-break space is replaced."""
    return text.replace("\u202f", "\u00a0")


def chart_drawing(chart: ChartData, width: float) -> Drawing:
    """A horizontal bar chart (reportlab graphics) of ``chart``; a hidden bar is labelled « masqué »."""
    from reportlab.graphics.charts.barcharts import HorizontalBarChart
    from reportlab.graphics.shapes import Drawing
    from reportlab.lib import colors

    row = 13.0
    height = row * len(chart.labels) + 24
    drawing = Drawing(width, height)
    bars = HorizontalBarChart()
    bars.x, bars.y = 5.2 * 28.35, 16  # 5.2 cm for the labels
    bars.width, bars.height = width - bars.x - 40, row * len(chart.labels)
    shown = (list(reversed(chart.values)), list(reversed(chart.hidden)))  # reportlab draws the first at the bottom
    bars.data = [shown[0]]
    bars.categoryAxis.categoryNames = [_drawn_text(label)[:40] for label in reversed(chart.labels)]
    bars.categoryAxis.labels.fontSize = 7
    bars.categoryAxis.labels.boxAnchor = "e"
    bars.valueAxis.valueMin = 0
    bars.valueAxis.valueMax = top = max(max(chart.values, default=0.0), 1.0)
    bars.valueAxis.valueStep = max(1, math.ceil(top / 5))  # whole numbers of alerts on the axis
    bars.valueAxis.labels.fontSize = 7
    bars.valueAxis.labelTextFormat = lambda v: fr_number(v, 0)
    bars.bars[0].fillColor = colors.HexColor(BAR_COLOUR)
    bars.barLabelFormat = "values"  # explicit labels: a hidden bar says « masqué », never 0
    bars.barLabelArray = [["masqué" if h else fr_number(v, 0) for v, h in zip(*shown, strict=True)]]
    bars.barLabels.fontSize = 6.5
    bars.barLabels.boxAnchor = "w"
    bars.barLabels.dx = 3
    drawing.add(bars)
    return drawing


def render_pdf(report: QuarterlyReport, path: Path | str) -> Path:
    """The report as a PDF (A4, reportlab); the map is drawn from the binned cells (no map tiles)."""
    from reportlab.graphics.shapes import Drawing, Rect, String
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import cm
    from reportlab.platypus import LongTable, Paragraph, SimpleDocTemplate, Spacer, TableStyle

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    styles = getSampleStyleSheet()
    small = styles["BodyText"].clone("small", fontSize=7, leading=8.5)

    def para(text: str, style: str = "BodyText") -> Paragraph:
        # Paragraph parses a markup language: escape every text.
        return Paragraph(_pdf_text(text), styles[style])

    story = [para(f"Rapport trimestriel — {report.commune}", "Title")]
    story += [para(line) for line in _summary(report)]
    story += [para(note, "Italic") for note in report.notes]
    story.append(para("Densité des alertes publiées", "Heading2"))
    drawing = map_drawing(report.map, 16 * cm, 11 * cm)
    width = 16 * cm
    story.append(drawing)
    if report.map.legend:
        legend = Drawing(width, 14)
        for k, (colour, label) in enumerate(report.map.legend):
            legend.add(Rect(k * 2.6 * cm, 2, 8, 8, fillColor=colors.HexColor(colour), strokeColor=None))
            legend.add(String(k * 2.6 * cm + 11, 3, f"{label} alerte(s)", fontSize=7))
        story.append(legend)
    story.append(para(_cells_caption(report)))
    for chart in report.charts:
        story += [para(chart.title, "Heading3"), chart_drawing(chart, width)]
    for title, headers, rows in sections(report):
        story.append(para(title, "Heading3"))
        data = [[Paragraph(_pdf_text(h), small) for h in headers]]
        data += [[Paragraph(_pdf_text(c), small) for c in row] for row in rows]
        table = LongTable(data, repeatRows=1, hAlign="LEFT")
        table.setStyle(
            TableStyle(
                [
                    ("GRID", (0, 0), (-1, -1), 0.25, colors.lightgrey),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ]
            )
        )
        story += [table, Spacer(1, 0.3 * cm)]
    doc = SimpleDocTemplate(
        str(path), pagesize=A4, title=f"Rapport trimestriel {report.quarter} — {report.commune}", author="Voisinage"
    )
    audience = (
        "Document de travail : mairie, référents et gendarmerie — ne pas diffuser"
        if is_staff(report.role)
        else "Version grand public : petits effectifs masqués"
    )

    def footer(canvas: Any, document: Any) -> None:
        canvas.saveState()
        canvas.setFont("Helvetica", 7)
        canvas.drawString(document.leftMargin, 1.2 * cm, f"{report.commune} — {report.quarter} — {audience}")
        canvas.drawRightString(A4[0] - document.rightMargin, 1.2 * cm, f"page {document.page}")
        canvas.restoreState()

    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return path
