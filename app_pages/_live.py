"""What updates by itself, cheaply: the unread badge (every page) and the live list of « Mon secteur ».

Both are ``st.fragment(run_every=...)``: only the fragment runs again, never the page (so the map is not rebuilt
every second). Each tick is one read-only query (the badge: a count on the member's in-app messages, an index
walk; the list: the alerts feed, a few index walks).
"""

from __future__ import annotations

import streamlit as st

from services import Actor, ServiceError

# Publication -> badge and list within 2 s (issue 13): a tick of 1 s leaves a second for the query and the
# websocket. Each tick is one read (no write lock on SQLite).
LIVE_EVERY_S = 1.0


def badge_text(count: int) -> str:
    """The badge's words for ``count`` unread messages (fixed strings and a number only: no user text)."""
    if count <= 0:
        return "Aucun nouveau message"
    return f"{count} nouveau message" if count == 1 else f"{count} nouveaux messages"


@st.fragment(run_every=LIVE_EVERY_S)
def unread_badge(actor: Actor) -> None:
    """The signed-in member's unread in-app messages (alerts, decisions, offers of help), in the sidebar."""
    from services.notify import unread_badge as count_unread

    try:
        unread = count_unread(actor, limit=0)
    except ServiceError:
        return  # the operator, or an account without a commune: no messages, no badge
    # No emoji or icon: Material icons come from Google's servers, and emoji fonts are not everywhere.
    st.badge(badge_text(unread.count), color="red" if unread.count else "gray")
