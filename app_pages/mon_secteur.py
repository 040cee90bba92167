"""Mon secteur: the commune, the sectors, mine highlighted."""

import shapely
import streamlit as st

from app_pages._map import commune_streets, show_map
from app_pages._session import require_actor
from layers import SectorShape, base_map, commune_outline, sectors_layer, streets_layer, tile_spec
from services import ServiceError
from services._config import settings
from services.maps import commune_map

actor = require_actor()
try:
    view = commune_map(actor)
except ServiceError as exc:
    st.error(exc.message)
    st.stop()

st.title(f"Mon secteur — {view.name}")
own = [s for s in view.sectors if s.code in view.own_sectors]
if own:
    st.write("Votre secteur : " + ", ".join(s.name for s in own))
tiles = tile_spec(settings().map_tiles)
folium_map = base_map(view.bounds, tiles)
if tiles.url is None and settings().map_streets_file:
    streets_layer(commune_streets(view.insee, settings().map_streets_file, shapely.to_wkb(view.boundary))).add_to(
        folium_map
    )
commune_outline(view.name, view.boundary).add_to(folium_map)
sectors_layer([SectorShape(s.code, s.name, s.geometry) for s in view.sectors], home=view.own_sectors).add_to(folium_map)
show_map(folium_map, key="mon-secteur")
