"""Map layers: folium builders fed with plain data, escaping every user-supplied string, and the local
copies of Leaflet and its plugins that replace folium's CDN links."""

from layers._assets import ASSET_ROUTE, SERVED_PACKAGES, localize
from layers._builders import (
    HeatCell,
    MapAlert,
    MapPoint,
    SectorShape,
    alerts_layer,
    base_map,
    commune_outline,
    heat_layer,
    points_layer,
    problems_layer,
    sectors_layer,
    streets_layer,
)
from layers._escape import map_text
from layers._shaded import ShadedSector, shaded_sectors_layer
from layers._tiles import TileSpec, tile_spec

__all__ = [
    "ASSET_ROUTE",
    "SERVED_PACKAGES",
    "HeatCell",
    "MapAlert",
    "MapPoint",
    "SectorShape",
    "ShadedSector",
    "TileSpec",
    "alerts_layer",
    "base_map",
    "commune_outline",
    "heat_layer",
    "localize",
    "map_text",
    "points_layer",
    "problems_layer",
    "sectors_layer",
    "shaded_sectors_layer",
    "streets_layer",
    "tile_spec",
]
