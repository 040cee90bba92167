"""Which pages each role sees (the navigation of ``streamlit_app.py``)."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import streamlit as st
from streamlit.navigation.page import StreamlitPage

from services import Actor
from store.schema import Role

HERE = Path(__file__).parent
# Roles that verify sign-ups (the permission matrix decides again, per member, in services.members).
VERIFIERS = frozenset({Role.REFERENT, Role.MAIRIE_AGENT, Role.MAIRIE_ADMIN})
MODERATORS = VERIFIERS
MAIRIE = frozenset({Role.MAIRIE_AGENT, Role.MAIRIE_ADMIN})
HEAT_READERS = frozenset({*MAIRIE, Role.GENDARMERIE})
# The actions the navigation asks the permission matrix about (``community.Action`` values).
NAV_ACTIONS = ("view_stats", "edit_sectors", "handle_alerts", "broadcast")


def page_list(actor: Actor | None, granted: frozenset[str] = frozenset()) -> list[tuple[str, str]]:
    """``(file, title)`` of the pages of ``actor``, the default first (None: the public pages, welcome and sign-up).

    ``granted``: the actions of :data:`NAV_ACTIONS` the permission matrix allows the actor now (the
    gendarmerie's pages need ``view_stats`` or ``handle_alerts``, open only while the mairie keeps its access open).
    A page not listed is not reachable: ``st.navigation`` knows nothing else.
    """
    if actor is None:
        return [("accueil.py", "Accueil"), ("inscription.py", "Inscription")]
    pages = [("mon_secteur.py", "Mon secteur")]
    if actor.role in (Role.RESIDENT, Role.REFERENT):
        pages += [("signaler.py", "Signaler"), ("absence.py", "Absence"), ("entraide.py", "Entraide")]
    if actor.role == Role.REFERENT:  # the mairie verifies in « Membres » and sees every exact point on its pages
        pages += [("moderation.py", "Modération"), ("carte_secteurs.py", "Carte de mes secteurs"),
                  ("verifications.py", "Inscriptions à vérifier")]  # fmt: skip
    stats = "view_stats" in granted
    if actor.role in MAIRIE:  # in the order of the issue: the mairie's desk, then its figures
        pages += [("secteurs.py", "Secteurs"), ("membres.py", "Membres"), ("moderation.py", "Modération")]
        if "broadcast" in granted:
            pages.append(("diffusion.py", "Diffusion"))
        if stats:
            pages += [("tableau_de_bord.py", "Tableau de bord"), ("carte_chaleur.py", "Carte de chaleur")]
    if actor.role == Role.GENDARMERIE:
        if stats:
            pages.append(("carte_chaleur.py", "Carte de chaleur"))
        if "handle_alerts" in granted:
            pages.append(("alertes_recues.py", "Alertes reçues"))
        if stats:
            pages.append(("tableau_de_bord.py", "Tableau de bord"))
    if actor.role != Role.GENDARMERIE or stats:
        pages.append(("statistiques.py", "Statistiques"))
    pages.append(("compte.py", "Mon compte"))
    return pages


# A page path Streamlit could route to (one segment, no slash); anything else keeps Streamlit's own fallback.
_PAGE_PATH = re.compile(r"[A-Za-z0-9_-]{1,100}")
NOT_FOUND = ("introuvable.py", "Page introuvable")


def unknown_path(url: str | None, pages: list[tuple[str, str]]) -> str | None:
    """The page path of ``url`` when it names none of ``pages`` (a mistyped address, or a page of another role),
    else None.

    The router then adds a hidden page on that path saying so in French, instead of Streamlit's English
    « Page not found » dialog.

    Examples
    --------
    >>> unknown_path("http://127.0.0.1:8501/signaler", [("accueil.py", "Accueil")])
    'signaler'
    >>> unknown_path("http://127.0.0.1:8501/", [("accueil.py", "Accueil")]) is None
    True
    """
    if not url:
        return None
    path = urlsplit(url).path.strip("/").rsplit("/", 1)[-1]
    if not path or not _PAGE_PATH.fullmatch(path):
        return None
    return None if path in {Path(file).stem for file, _title in pages} else path


def requested_url() -> str | None:
    """The address in the browser's bar (None in tests without a browser)."""
    return st.context.url


def pages_for(actor: Actor | None, url: str | None = None) -> list[StreamlitPage]:
    """The Streamlit pages of ``actor`` (no icons: Streamlit fetches Material icons from Google's servers), and,
    when ``url`` names no page of theirs, a hidden French « Page introuvable » page on that path."""
    from services.staff import granted

    pages = page_list(actor, granted(actor, NAV_ACTIONS))
    made = [st.Page(HERE / file, title=title, default=index == 0) for index, (file, title) in enumerate(pages)]
    missing = unknown_path(url, pages)
    if missing is not None:
        file, title = NOT_FOUND
        made.append(st.Page(HERE / file, title=title, url_path=missing, visibility="hidden"))
    return made
