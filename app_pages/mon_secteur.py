"""Mon secteur: the commune, the sectors, mine highlighted."""

import streamlit as st

from app_pages._map import commune_base, show_map
from app_pages._session import require_actor
from layers import SectorShape, sectors_layer
from services import ServiceError
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
folium_map = commune_base(view)
sectors_layer([SectorShape(s.code, s.name, s.geometry) for s in view.sectors], home=view.own_sectors).add_to(folium_map)
show_map(folium_map, key="mon-secteur")
