"""Carte de mes secteurs (referents): the alerts of the sectors I refer, at their exact point.

Exact points are for those who moderate the alert's home sector (``services.maps.moderated_sectors_map``
decides, from the permission matrix); residents never reach this page, and the service refuses them again.
"""

import streamlit as st

from app_pages._map import commune_folium_map, show_map
from app_pages._nav import MODERATORS
from app_pages._staff import plain, require_page
from layers import MapAlert, alerts_layer
from services import ServiceError
from services.maps import moderated_sectors_map

actor, _granted = require_page(MODERATORS)
st.title("Carte de mes secteurs")
try:
    view = moderated_sectors_map(actor)
except ServiceError as exc:
    st.error(exc.message)
    st.stop()

names = [plain(s.name) for s in view.commune.sectors if s.code in view.sectors]
st.write("Secteurs : " + (", ".join(names) or "aucun"))
st.caption(
    "Positions exactes, réservées à votre rôle : ne les communiquez pas. Les habitants ne voient qu'un lieu "
    "approximatif."
)
left, right = st.columns([3, 2])
with left:
    folium_map = commune_folium_map(view.commune)
    points = [
        MapAlert(p.lon, p.lat, p.category_label, p.text, p.created_at[:16].replace("T", " ")) for p in view.points
    ]
    alerts_layer(points).add_to(folium_map)
    show_map(folium_map, key="carte-secteurs")
with right:
    st.subheader(f"Alertes à leur position exacte ({len(view.points)})")
    if not view.points:
        st.info("Aucune alerte dans vos secteurs pour l'instant.")
    for point in view.points[:50]:
        # User text as plain text (st.text): never Markdown, never HTML.
        status = {"pending": "en attente", "published": "publiée"}.get(point.status, point.status)
        st.text(f"{point.category_label} · {status} · {point.label}\n{point.text}")
