"""folium layer builders: pure functions from plain data (WGS84 geometries, strings) to folium objects.

Every user-supplied string goes through :func:`layers.map_text` before it reaches a popup or a tooltip.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import folium
import numpy as np
import shapely
from folium.plugins import HeatMap
from folium.utilities import JsCode

from layers._assets import localize
from layers._escape import map_text
from layers._tiles import TileSpec

OUTLINE_STYLE = {"color": "#1f2937", "weight": 3, "fill": False}
SECTOR_STYLE = {"color": "#2563eb", "weight": 1.5, "fillColor": "#93c5fd", "fillOpacity": 0.15}
HOME_STYLE = {"color": "#b91c1c", "weight": 3, "fillColor": "#fca5a5", "fillOpacity": 0.3}
PROBLEM_STYLE = {"color": "#dc2626", "weight": 3, "fillColor": "#ef4444", "fillOpacity": 0.45}
STREET_STYLE = {"color": "#6b7280", "weight": 1, "opacity": 0.8}
STYLES = {"sector": SECTOR_STYLE, "home": HOME_STYLE, "problem": PROBLEM_STYLE}
# A name written on the map: a tooltip always open, centred on its sector.
LABEL_OPTIONS: dict[str, Any] = {"sticky": False, "permanent": True, "direction": "center", "opacity": 0.85}
# Coordinates sent to the browser: 1e-6 degree is about 0.1 m, far below a pixel at any zoom the maps use.
SHOWN_DECIMALS = 6


@dataclass(frozen=True)
class SectorShape:
    """A sector as drawn: its code, its name, its outline (WGS84)."""

    code: str
    name: str
    geometry: shapely.Geometry


@dataclass(frozen=True)
class MapAlert:
    """An alert as drawn, at its *displayed* location (never the exact point for residents)."""

    lon: float
    lat: float
    category: str
    text: str
    when: str = ""


@dataclass(frozen=True)
class MapPoint:
    """A labelled exact point (a sign-up's geocoded home, for the mairie only): tooltip and popup text."""

    lon: float
    lat: float
    label: str
    detail: str = ""


@dataclass(frozen=True)
class HeatCell:
    """A heat map cell: its centre (WGS84) and its weight (number of alerts)."""

    lon: float
    lat: float
    weight: float


def _feature(geometry: shapely.Geometry) -> dict:
    return {"type": "Feature", "properties": {}, "geometry": shapely.geometry.mapping(geometry)}  # type: ignore[arg-type]


def _shown(geometry: shapely.Geometry) -> dict:
    """``geometry`` as a GeoJSON mapping for display, coordinates rounded to :data:`SHOWN_DECIMALS` (lighter
    pages; validation and storage always use the exact geometry)."""
    rounded = shapely.transform(geometry, lambda xy: np.round(xy, SHOWN_DECIMALS))
    return shapely.geometry.mapping(rounded)  # type: ignore[arg-type]


def _collection(features: Iterable[tuple[str, dict, str]], tooltip: dict[str, Any], name: str) -> folium.GeoJson:
    """One GeoJSON layer for many shapes: ``(escaped label, GeoJSON geometry, style name)`` each, the style named
    from :data:`STYLES`, the label bound as each shape's tooltip.

    Leaflet writes a tooltip as HTML: each label is already escaped by :func:`map_text` (no ``<`` left, so none can
    end the script it is written in) and goes into the script as a JSON string.
    """
    labels, shapes = [], []
    for i, (label, geometry, style) in enumerate(features):
        labels.append(label)
        shapes.append({"type": "Feature", "id": i, "properties": {"style": style}, "geometry": geometry})
    listed = json.dumps(labels, ensure_ascii=False)
    bind = JsCode(f"function(feature, layer) {{ layer.bindTooltip({listed}[feature.id], {json.dumps(tooltip)}); }}")
    return folium.GeoJson(
        {"type": "FeatureCollection", "features": shapes},
        name=name,
        style_function=lambda feature: STYLES[feature["properties"]["style"]],
        on_each_feature=bind,
    )


def base_map(bounds: tuple[float, float, float, float], tiles: TileSpec, *, height: str = "100%") -> folium.Map:
    """An empty map fitted to ``bounds`` (lon/lat min-max), with the base tiles of ``tiles`` (or none).

    Scripts and style sheets point to the copies served by Voisinage (no CDN).
    """
    minx, miny, maxx, maxy = bounds
    folium_map = folium.Map(
        location=[(miny + maxy) / 2, (minx + maxx) / 2],
        tiles=None,
        zoom_start=13,
        control_scale=True,
        height=height,
        prefer_canvas=False,
    )
    if tiles.url is not None:
        folium.TileLayer(tiles=tiles.url, attr=map_text(tiles.attribution), name="fond", max_zoom=19).add_to(folium_map)
    folium_map.fit_bounds([[miny, minx], [maxy, maxx]])
    return localize(folium_map)


def commune_outline(name: str, boundary: shapely.Geometry) -> folium.GeoJson:
    """The commune's outline, with its name as tooltip."""
    return folium.GeoJson(
        _feature(boundary),
        name="commune",
        style_function=lambda _f: OUTLINE_STYLE,
        tooltip=folium.Tooltip(map_text(name)),
    )


def sectors_layer(
    sectors: Iterable[SectorShape], home: Iterable[str] = (), *, labels: bool = False
) -> folium.FeatureGroup:
    """The sectors, each with its name as tooltip; the sectors of ``home`` (codes) are highlighted.

    ``labels``: the names are written on the map itself, at each sector's centre (permanent tooltips, escaped
    like every map text), for the mairie drawing its sectors.
    """
    highlighted = set(home)
    options: dict[str, Any] = LABEL_OPTIONS if labels else {}
    group = folium.FeatureGroup(name="secteurs")
    shapes = ((map_text(s.name), _shown(s.geometry), "home" if s.code in highlighted else "sector") for s in sectors)
    _collection(shapes, options, "secteurs").add_to(group)
    return group


def _circle(
    group: folium.FeatureGroup, lon: float, lat: float, tooltip: str, body: str, colors: tuple[str, str]
) -> None:
    """One circle marker in ``group``; ``tooltip`` and ``body`` are already escaped."""
    folium.CircleMarker(
        location=[lat, lon],
        radius=7,
        color=colors[0],
        fill=True,
        fill_color=colors[1],
        fill_opacity=0.8,
        tooltip=folium.Tooltip(tooltip),
        popup=folium.Popup(body, max_width=300),
    ).add_to(group)


def alerts_layer(alerts: Iterable[MapAlert]) -> folium.FeatureGroup:
    """The alerts at their displayed location: a circle each, the category as tooltip, the text in a popup."""
    group = folium.FeatureGroup(name="alertes")
    for alert in alerts:
        body = f"<strong>{map_text(alert.category)}</strong><br>{map_text(alert.text)}"
        if alert.when:
            body += f"<br><small>{map_text(alert.when)}</small>"
        _circle(group, alert.lon, alert.lat, map_text(alert.category), body, ("#b45309", "#f59e0b"))
    return group


def points_layer(points: Iterable[MapPoint], name: str = "points") -> folium.FeatureGroup:
    """Exact points (staff maps only): a circle each, the label as tooltip, label and detail in a popup."""
    group = folium.FeatureGroup(name=name)
    for point in points:
        body = f"<strong>{map_text(point.label)}</strong>"
        if point.detail:
            body += f"<br>{map_text(point.detail)}"
        _circle(group, point.lon, point.lat, map_text(point.label), body, ("#6d28d9", "#a78bfa"))
    return group


def heat_layer(cells: Sequence[HeatCell]) -> HeatMap:
    """Heat cells as a leaflet.heat layer (weights scaled to the largest cell)."""
    top = max((c.weight for c in cells), default=1.0) or 1.0
    return localize(
        HeatMap(
            [[c.lat, c.lon, c.weight / top] for c in cells],
            name="chaleur",
            radius=25,
            blur=20,
            min_opacity=0.3,
        )
    )


def problems_layer(problems: Iterable[tuple[str, dict]]) -> folium.FeatureGroup:
    """Validation problems in red: ``(label, GeoJSON geometry mapping in WGS84)``, the label as tooltip."""
    group = folium.FeatureGroup(name="problèmes")
    _collection(((map_text(label), geometry, "problem") for label, geometry in problems), {}, "problèmes").add_to(group)
    return group


def streets_layer(streets: shapely.Geometry) -> folium.GeoJson:
    """The commune's own streets (lines, WGS84) as the map's background when there are no tiles."""
    return folium.GeoJson(
        _feature(streets),
        name="rues",
        style_function=lambda _f: STREET_STYLE,
        interactive=False,
        control=False,
    )
