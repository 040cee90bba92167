"""Mon secteur: the commune, the sectors (mine highlighted), the alerts I may read at their displayed location.

The alerts refresh by themselves every few seconds (``st.fragment(run_every=...)``): a newly published alert
appears without a reload.
"""

import streamlit as st

from app_pages._map import commune_folium_map, show_map
from app_pages._session import require_actor
from app_pages._staff import plain
from layers import MapAlert, alerts_layer
from services import ServiceError
from services import alerts as alert_service
from services.maps import commune_map

REFRESH_S = 4

actor = require_actor()
try:
    view = commune_map(actor)
except ServiceError as exc:
    st.error(exc.message)
    st.stop()

st.title(f"Mon secteur — {plain(view.name)}")  # a name typed by people: no Markdown
own = [s for s in view.sectors if s.code in view.own_sectors]
if own:
    st.text("Votre secteur : " + ", ".join(s.name for s in own))


@st.fragment(run_every=REFRESH_S)
def live() -> None:
    """The map and the list of alerts, read again every few seconds."""
    feed = alert_service.feed(actor, limit=100)
    shown = [
        MapAlert(a.location["lon"], a.location["lat"], a.category_label, a.text, a.created_at[:16].replace("T", " "))
        for a in feed.alerts
        if a.location.get("lon") is not None and a.location.get("lat") is not None
    ]
    folium_map = commune_folium_map(view)
    alerts_layer(shown).add_to(folium_map)
    left, right = st.columns([3, 2])
    with left:
        show_map(folium_map, key="mon-secteur")
    with right:
        st.subheader(f"Alertes ({len(feed.alerts)})")
        if not feed.alerts:
            st.info(feed.why_empty or "Aucune alerte pour l'instant dans votre secteur.")
        for alert in feed.alerts:
            with st.container(border=True):
                # User text is shown as plain text (st.text): never Markdown, never HTML.
                st.text(f"{alert.category_label} · {alert.location.get('label') or ''}")
                st.text(alert.text)
                st.caption(alert.created_at[:16].replace("T", " "))


live()
