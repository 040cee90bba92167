"""Which pages each role sees (the navigation of ``streamlit_app.py``)."""

from __future__ import annotations

from pathlib import Path

import streamlit as st
from streamlit.navigation.page import StreamlitPage

from services import Actor

HERE = Path(__file__).parent


def _page(file: str, title: str, *, default: bool = False) -> StreamlitPage:
    # No icons: Streamlit fetches Material icons from Google's servers, and emoji need a font.
    return st.Page(HERE / file, title=title, default=default)


def pages_for(actor: Actor | None) -> list[StreamlitPage]:
    """The pages of ``actor`` (None: the public welcome page only)."""
    if actor is None:
        return [_page("accueil.py", "Accueil", default=True)]
    return [
        _page("mon_secteur.py", "Mon secteur", default=True),
        _page("compte.py", "Mon compte"),
    ]
