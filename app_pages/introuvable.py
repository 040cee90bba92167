"""Page introuvable: what a mistyped address (or a page of another role) shows, in French, instead of Streamlit's
English dialog."""

import streamlit as st

from app_pages._session import auth_link, signed_in

st.title("Page introuvable")
st.write(
    "Cette adresse ne correspond à aucune page de Voisinage, ou cette page n'est pas accessible avec votre compte."
)
auth_link("/", "Revenir à l'accueil")
if signed_in() is None:
    auth_link("/auth/login", "Se connecter")
