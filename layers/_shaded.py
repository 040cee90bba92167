"""Sectors shaded by a class (a dashboard's choropleth), each named on the map and explained on hover."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import folium
import shapely
from shapely.geometry.base import BaseGeometry

from layers._escape import map_text

# The icon has no size; the label centres itself on the point (a percentage of its own width and height).
LABEL_STYLE = (
    "display:inline-block;font:600 11px/1.2 sans-serif;color:#111827;white-space:nowrap;"
    "transform:translate(-50%,-50%);text-shadow:0 0 3px #fff,0 0 3px #fff,0 0 3px #fff"
)


@dataclass(frozen=True)
class ShadedSector:
    """A sector as shaded: name (shown on the map), outline (WGS84), fill colour, and the lines of its tooltip."""

    code: str
    name: str
    geometry: BaseGeometry
    colour: str
    details: tuple[str, ...] = ()


def shaded_sectors_layer(sectors: Iterable[ShadedSector], *, labels: bool = True) -> folium.FeatureGroup:
    """Each sector filled with its colour; its name (escaped) as a label at a point inside it and, with its
    details, as the tooltip. ``colour`` is the app's own (a CSS colour), never user text."""
    group = folium.FeatureGroup(name="santé des secteurs")
    for sector in sectors:
        style = {"color": "#374151", "weight": 1.5, "fillColor": sector.colour, "fillOpacity": 0.45}
        tip = "<br>".join([f"<strong>{map_text(sector.name)}</strong>", *(map_text(d) for d in sector.details)])
        folium.GeoJson(
            {"type": "Feature", "properties": {}, "geometry": shapely.geometry.mapping(sector.geometry)},
            style_function=lambda _f, style=style: style,
            tooltip=folium.Tooltip(tip),
        ).add_to(group)
        if labels:
            spot = shapely.point_on_surface(sector.geometry)
            label = f'<span style="{LABEL_STYLE}">{map_text(sector.name)}</span>'
            icon = folium.DivIcon(html=label, icon_size=(0, 0), class_name="voisinage-label")
            folium.Marker([spot.y, spot.x], icon=icon, interactive=False).add_to(group)
    return group
