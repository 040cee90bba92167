"""Public welcome page: what Voisinage is, and the way to sign in."""

import streamlit as st

from app_pages._session import auth_link

st.title("Voisinage")
st.write("Participation citoyenne et voisinage solidaire, sur la carte de votre commune.")
auth_link("/auth/login", "Se connecter")
auth_link("/inscription", "Pas encore de compte ? S'inscrire")
