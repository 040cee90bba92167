"""Signaler: emergency numbers first, then the place (a click on the map, or an address among the commune's BAN
addresses), the category (the commune's own set), the text; the checks' answers shown beside the text with the
passages to change in bold.

Submitting twice, or retrying after a network error, creates one alert: the form carries an idempotency key.
"""

import secrets

import streamlit as st

from app_pages._map import commune_folium_map, show_map
from app_pages._session import require_actor
from app_pages._staff import plain
from app_pages._text import as_typed, highlighted
from services import ServiceError
from services import alerts as alert_service
from services.addresses import suggest
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
    categories = alert_service.categories(actor)
except ServiceError as exc:
    st.error(plain(exc.message))
    st.stop()

if "post_key" not in st.session_state:
    st.session_state.post_key = secrets.token_urlsafe(16)

st.subheader("1. Le lieu")
st.caption("Cliquez sur la carte à l'endroit des faits, ou donnez une adresse ci-dessous.")
clicked = (show_map(commune_folium_map(view), key="signaler", height=420) or {}).get("last_clicked")
if clicked:
    st.text(f"Lieu choisi sur la carte : {clicked['lat']:.5f}, {clicked['lng']:.5f}")
typed = st.text_input("Ou une adresse", key="post_address", max_chars=300, placeholder="ex. 12 rue des Tilleuls")
chosen = None
choices = []
try:
    choices = suggest(view.insee, typed)
except ServiceError as exc:
    st.warning(plain(exc.message))
if choices:
    chosen = st.selectbox(
        "Adresses trouvées", [c.label for c in choices], index=None, placeholder="Choisissez…", key="post_suggestion"
    )
elif typed.strip():
    st.caption("Aucune adresse de la commune ne correspond : vérifiez-la, ou cliquez sur la carte.")
address = (chosen or typed).strip()
place_slot = st.empty()

with st.form("post"):
    st.subheader("2. Ce que vous avez vu")
    category = st.selectbox("Catégorie", categories, format_func=lambda c: c.label, key="post_category")
    text = st.text_area(
        "Les faits, sans nom ni accusation",
        max_chars=1000,
        help="Décrivez ce que vous avez vu, pas qui.",
        key="post_text",
    )
    text_slot = st.empty()
    confirm_new = st.session_state.get("duplicate_offered", False) and st.checkbox(
        "Ce n'est pas la même chose que l'alerte semblable : publier quand même"
    )
    sent = st.form_submit_button("Publier", key="post_submit")

if sent:
    lon = lat = None
    if clicked and not address:
        lon, lat = float(clicked["lng"]), float(clicked["lat"])
    try:
        posted = alert_service.post(
            actor,
            category=category.code if category is not None else "",
            text=text,
            lon=lon,
            lat=lat,
            address=address or None,
            key=st.session_state.post_key,
            confirm_new=bool(confirm_new),
        )
    except ServiceError as exc:
        st.session_state.duplicate_offered = exc.field == "confirm_new"
        passages = alert_service.objections(exc)
        slot = place_slot if exc.field in ("address", "lon", "lat") else text_slot
        with slot.container():
            st.error(as_typed(exc.message))  # the checks' answer quotes the text: shown as typed
            if passages:
                st.caption("Votre texte, les passages à changer en gras :")
                st.markdown(highlighted(alert_service.marked(text, passages)))
    else:
        st.session_state.pop("post_key", None)
        st.session_state.pop("duplicate_offered", None)
        st.success(plain(posted.message))
        if posted.passages:
            st.caption("Les passages qu'un modérateur relira, en gras :")
            st.markdown(highlighted(alert_service.marked(text, posted.passages)))
