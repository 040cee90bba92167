"""Signaler: emergency numbers first, then the place (a click on the map), the category, the text.

Submitting twice, or retrying after a network error, creates one alert: the form carries an idempotency key.
"""

import secrets

import streamlit as st

from alerts import DEFAULT_CATEGORIES
from app_pages._map import commune_folium_map, show_map
from app_pages._session import require_actor
from services import ServiceError
from services import alerts as alert_service
from services.maps import commune_map

actor = require_actor()
st.title("Signaler")
st.error("**Urgence ? Appelez le 17.** Voisinage ne remplace jamais les secours : ici, personne n'intervient.")
calls = st.columns(5)
calls[0].link_button("17 — Police, gendarmerie", "tel:17")
calls[1].link_button("112 — Urgences", "tel:112")
calls[2].link_button("18 — Pompiers", "tel:18")
calls[3].link_button("15 — SAMU", "tel:15")
calls[4].link_button("114 — par SMS (sourds)", "sms:114")

try:
    view = commune_map(actor)
except ServiceError as exc:
    st.error(exc.message)
    st.stop()

if "post_key" not in st.session_state:
    st.session_state.post_key = secrets.token_urlsafe(16)

st.subheader("1. Le lieu")
st.caption("Cliquez sur la carte à l'endroit des faits (ou donnez une adresse ci-dessous).")
clicked = (show_map(commune_folium_map(view), key="signaler", height=420) or {}).get("last_clicked")
if clicked:
    st.text(f"Lieu choisi : {clicked['lat']:.5f}, {clicked['lng']:.5f}")
address = st.text_input("Ou une adresse", key="post_address")

categories = [c for c in DEFAULT_CATEGORIES if c.may_be_posted_by(actor.role.value)]
with st.form("post"):
    st.subheader("2. Ce que vous avez vu")
    category = st.selectbox("Catégorie", categories, format_func=lambda c: c.label)
    text = st.text_area(
        "Les faits, sans nom ni accusation", max_chars=1000, help="Décrivez ce que vous avez vu, pas qui."
    )
    confirm_new = st.session_state.get("duplicate_offered", False) and st.checkbox(
        "Ce n'est pas la même chose que l'alerte semblable : publier quand même"
    )
    sent = st.form_submit_button("Publier")

if sent:
    lon = lat = None
    if clicked and not address.strip():
        lon, lat = float(clicked["lng"]), float(clicked["lat"])
    try:
        posted = alert_service.post(
            actor,
            category=category.code,
            text=text,
            lon=lon,
            lat=lat,
            address=address.strip() or None,
            key=st.session_state.post_key,
            confirm_new=bool(confirm_new),
        )
    except ServiceError as exc:
        if getattr(exc, "field", None) == "confirm_new":
            st.session_state.duplicate_offered = True
        st.error(exc.message)  # the checks' answer, with the passage to change
    else:
        st.session_state.pop("post_key", None)
        st.session_state.pop("duplicate_offered", None)
        st.success(posted.message)
