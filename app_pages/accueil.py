"""Public welcome page: what Voisinage is, and the way to sign in."""

import streamlit as st

st.title("Voisinage")
st.write("Participation citoyenne et voisinage solidaire, sur la carte de votre commune.")
st.markdown("[Se connecter](/auth/login)")
