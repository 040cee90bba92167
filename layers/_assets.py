"""Leaflet and its plugins served by Voisinage itself: folium's CDN links replaced by local ones."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

# The URL prefix under which ``voisinage serve`` serves the npm packages' files (server/_assets.py).
ASSET_ROUTE = "/assets/map"

# npm package -> folder of that package (under node_modules) that is served.
SERVED_PACKAGES: dict[str, str] = {
    "leaflet": "leaflet/dist",
    "leaflet-draw": "leaflet-draw/dist",
    "leaflet.heat": "leaflet.heat/dist",
    "jquery": "jquery/dist",
}

# folium's resource names -> the local file that replaces its CDN URL.
_LOCAL: dict[str, str] = {
    "leaflet": f"{ASSET_ROUTE}/leaflet/leaflet.js",
    "leaflet_css": f"{ASSET_ROUTE}/leaflet/leaflet.css",
    "jquery": f"{ASSET_ROUTE}/jquery/jquery.min.js",
    "leaflet-heat.js": f"{ASSET_ROUTE}/leaflet.heat/leaflet-heat.js",
    "leaflet_draw_js": f"{ASSET_ROUTE}/leaflet-draw/leaflet.draw.js",
    "leaflet_draw_css": f"{ASSET_ROUTE}/leaflet-draw/leaflet.draw.css",
}

# folium resources the maps of Voisinage never use (Bootstrap, icon fonts): dropped rather than fetched.
_UNUSED = frozenset(
    {
        "bootstrap",
        "bootstrap_css",
        "glyphicons_css",
        "awesome_markers",
        "awesome_markers_font_css",
        "awesome_markers_css",
        "awesome_rotate_css",
    }
)


def _local(resources: list[tuple[str, str]]) -> list[tuple[str, str]]:
    kept = []
    for name, url in resources:
        if name in _LOCAL:
            kept.append((name, _LOCAL[name]))
        elif name not in _UNUSED and not url.startswith(ASSET_ROUTE):
            raise ValueError(f"no local copy of the map resource {name!r} ({url}): add it to package.json")
    return kept


def _elements(element: Any) -> Iterator[Any]:
    yield element
    for child in getattr(element, "_children", {}).values():
        yield from _elements(child)


def localize(folium_map: Any) -> Any:
    """Point every script and style sheet of ``folium_map`` (and of its plugins) to the local copies.

    Sets ``default_js`` / ``default_css`` on each element (the instances, never folium's classes), so
    that neither folium's page nor streamlit-folium loads anything from a CDN.

    Raises
    ------
    ValueError
        When an element needs a resource with no local copy (a plugin not in package.json).
    """
    for element in _elements(folium_map):
        if type(element).__name__.endswith("ColorMap"):
            raise ValueError("branca colormaps load d3 from a CDN: not used on Voisinage's maps")
        for attribute in ("default_js", "default_css"):
            resources = getattr(element, attribute, None)
            if resources:
                setattr(element, attribute, _local(list(resources)))
    return folium_map
