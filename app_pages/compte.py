"""Mon compte: who is signed in, and signing out."""

import streamlit as st

from app_pages._session import require_actor

actor = require_actor()
st.title("Mon compte")
st.write(f"Rôle : {actor.role.value}")
if actor.sectors:
    st.write("Secteur(s) : " + ", ".join(sorted(actor.sectors)))
st.markdown("[Se déconnecter](/auth/logout)")
