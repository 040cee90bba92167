"""Carte de chaleur (mairie; gendarmerie while the mairie keeps its access open): the alerts binned server-side.

Only cell centres and counts reach the browser, never an alert's point; the permission matrix decides who
reads the map (services.stats), and it disappears with the gendarmerie's access.
"""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import streamlit as st

from app_pages._map import commune_base, show_map
from app_pages._nav import HEAT_READERS
from app_pages._staff import attempt, plain, require_page
from layers import HeatCell, heat_layer
from services import ServiceError
from services import stats as stats_service
from services.maps import commune_map

PARIS = ZoneInfo("Europe/Paris")
actor, _ = require_page(HEAT_READERS, ["view_stats"])
try:
    view = commune_map(actor)
    categories = stats_service.alert_categories(actor)
except ServiceError as exc:
    st.error(exc.message)
    st.stop()

st.title(f"Carte de chaleur — {plain(view.name)}")
st.caption("Les alertes publiées sont comptées par carré sur le serveur : aucune position d'alerte n'est envoyée.")
today = date.today()
period = st.date_input("Période", value=(today - timedelta(days=90), today), format="DD/MM/YYYY", key="heat-period")
labels = dict(categories)
chosen = st.multiselect(
    "Catégories (aucune choisie : toutes)",
    list(labels),
    format_func=labels.__getitem__,
    key="heat-categories",
    placeholder="Toutes les catégories",
)
if not isinstance(period, tuple) or len(period) != 2:
    st.error("Choisissez la date de début et la date de fin.")
    st.stop()
start = datetime.combine(period[0], time.min, tzinfo=PARIS)
end = datetime.combine(period[1] + timedelta(days=1), time.min, tzinfo=PARIS)
heat = attempt(lambda: stats_service.heat(actor, start, end, tuple(chosen) or None))
if heat is None:
    st.stop()

total = sum(c.count for c in heat.cells)
st.write(f"{total} alerte(s) dans {len(heat.cells)} carré(s) de {heat.cell_m:.0f} m.")
if heat.min_count > 1:
    st.caption(f"Les carrés de moins de {heat.min_count} alertes ne sont pas montrés.")
folium_map = commune_base(view)
if heat.cells:
    heat_layer([HeatCell(c.lon, c.lat, c.count) for c in heat.cells]).add_to(folium_map)
show_map(folium_map, key="carte-chaleur")
