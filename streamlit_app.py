"""The Streamlit router of ``voisinage serve``: the pages of the signed-in role (``app_pages/``)."""

import streamlit as st

from app_pages._nav import pages_for, requested_url
from app_pages._session import signed_in

st.set_page_config(page_title="Voisinage", layout="wide")
st.navigation(pages_for(signed_in(), requested_url())).run()
