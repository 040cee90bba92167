"""Showing a folium map in a page: assets made local, then streamlit-folium."""

from __future__ import annotations

from typing import Any

import folium
import streamlit as st


@st.cache_data(show_spinner=False)
def commune_streets(insee: str, path: str, boundary_wkb: bytes) -> Any:
    """The commune's streets (WGS84 lines clipped to its boundary) from the OSM file; shared by every user."""
    import shapely

    from gis import read_street_file

    boundary = shapely.from_wkb(boundary_wkb)
    streets = read_street_file(path).to_crs(4326)
    lines = shapely.union_all(streets.geometry.clip(boundary).values)
    return shapely.simplify(lines, 0.00002)


def commune_base(view: Any) -> folium.Map:
    """The commune's base map: tiles (or its own streets when there are none) and its outline.

    ``view`` is a :class:`services.maps.CommuneMap`.
    """
    import shapely

    from layers import base_map, commune_outline, streets_layer, tile_spec
    from services._config import settings

    tiles = tile_spec(settings().map_tiles)
    folium_map = base_map(view.bounds, tiles)
    if tiles.url is None and settings().map_streets_file:
        streets = commune_streets(view.insee, settings().map_streets_file, shapely.to_wkb(view.boundary))
        if not streets.is_empty:  # a streets file of another place draws nothing (folium fails on an empty layer)
            streets_layer(streets).add_to(folium_map)
    commune_outline(view.name, view.boundary).add_to(folium_map)
    return folium_map


def show_map(
    folium_map: folium.Map, *, key: str, height: int = 560, returned: tuple[str, ...] = ("last_clicked",)
) -> dict[str, Any]:
    """Render ``folium_map`` (local Leaflet only) and return what the user clicked (or ``returned``)."""
    from streamlit_folium import st_folium

    from layers import localize

    localize(folium_map)
    return st_folium(folium_map, key=key, height=height, use_container_width=True, returned_objects=list(returned))


def commune_folium_map(view: Any) -> folium.Map:
    """:func:`commune_base` with the commune's sectors, the actor's own highlighted."""
    from layers import SectorShape, sectors_layer

    folium_map = commune_base(view)
    shapes = [SectorShape(s.code, s.name, s.geometry) for s in view.sectors]
    sectors_layer(shapes, home=view.own_sectors).add_to(folium_map)
    return folium_map
