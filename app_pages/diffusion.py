"""Diffusion (mairie): a message to the whole commune or to chosen sectors, its reach, the past broadcasts."""

import streamlit as st

from app_pages._broadcast import broadcast_form, past_broadcasts
from app_pages._nav import MAIRIE
from app_pages._staff import require_page
from services import ServiceError
from services.maps import commune_map

actor, _ = require_page(MAIRIE, ["broadcast"])
try:
    sectors = {s.code: s.name for s in commune_map(actor).sectors}
except ServiceError as exc:
    st.error(exc.message)
    st.stop()
st.title("Diffusion")
st.caption("Un message officiel de la mairie, à toute la commune ou aux secteurs choisis.")
broadcast_form(actor, sectors)
past_broadcasts(actor)
