"""Which pages each role sees (the navigation of ``streamlit_app.py``)."""

from __future__ import annotations

from pathlib import Path

import streamlit as st
from streamlit.navigation.page import StreamlitPage

from services import Actor
from store.schema import Role

HERE = Path(__file__).parent
# Roles that verify sign-ups (the permission matrix decides again, per member, in services.members).
VERIFIERS = frozenset({Role.REFERENT, Role.MAIRIE_AGENT, Role.MAIRIE_ADMIN})
MODERATORS = VERIFIERS


def page_list(actor: Actor | None) -> list[tuple[str, str]]:
    """``(file, title)`` of the pages of ``actor``, the default first (None: the public welcome page only).

    A page not listed is not reachable: ``st.navigation`` knows nothing else.
    """
    if actor is None:
        return [("accueil.py", "Accueil")]
    pages = [("mon_secteur.py", "Mon secteur")]
    if actor.role in (Role.RESIDENT, Role.REFERENT):
        pages += [("signaler.py", "Signaler"), ("absence.py", "Absence")]
    if actor.role in MODERATORS:
        pages.append(("moderation.py", "Modération"))
    if actor.role in VERIFIERS:
        pages.append(("verifications.py", "Inscriptions à vérifier"))
    pages.append(("compte.py", "Mon compte"))
    return pages


def pages_for(actor: Actor | None) -> list[StreamlitPage]:
    """The Streamlit pages of ``actor`` (no icons: Streamlit fetches Material icons from Google's servers)."""
    return [
        st.Page(HERE / file, title=title, default=index == 0) for index, (file, title) in enumerate(page_list(actor))
    ]
