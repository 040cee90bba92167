"""The Streamlit router of ``voisinage serve``: the pages of the signed-in role (``app_pages/``)."""

import streamlit as st

from app_pages._live import unread_badge
from app_pages._nav import pages_for, requested_url
from app_pages._session import signed_in

st.set_page_config(page_title="Voisinage", layout="wide")
actor = signed_in()
page = st.navigation(pages_for(actor, requested_url()))
if actor is not None and actor.member_id is not None:
    with st.sidebar:
        unread_badge(actor)  # refreshes by itself, on every page
page.run()
