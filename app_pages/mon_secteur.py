"""Mon secteur: the commune, the sectors (mine highlighted), the alerts I may read at their displayed location.

The list beside the map is a fragment that reads the feed again every second (``app_pages._live``): a newly
published alert appears within 2 s without a reload. The map is drawn by the page itself, so that it is built
again only when the set of alerts changes (the fragment then asks for one full rerun), never every second.
Opening the page marks my in-app messages read (the badge in the sidebar goes back to zero).
"""

from typing import Any

import streamlit as st

from app_pages._live import LIVE_EVERY_S
from app_pages._map import commune_folium_map, show_map
from app_pages._session import require_actor
from app_pages._staff import attempt, plain
from layers import MapAlert, alerts_layer
from services import ServiceError
from services import alerts as alert_service
from services import notify as notify_service
from services import referents as referent_service
from services.maps import commune_map

LIVE_RERUN = "mon_secteur_live_rerun"  # set by the fragment when it asks for a rerun (not a visit)
DRAWN = "mon_secteur_drawn"  # what the map shows: (id, text) of each alert
FEED, MARKER, TICKS = "mon_secteur_feed", "mon_secteur_marker", "mon_secteur_ticks"
FULL_EVERY = 10  # ticks between two reads of the feed when nothing moved
LISTED = 30  # alerts listed beside the map (the map shows up to 100): each is re-sent every tick

actor = require_actor()
try:
    view = commune_map(actor)
except ServiceError as exc:
    st.error(exc.message)
    st.stop()

st.title(f"Mon secteur — {plain(view.name)}")  # a name typed by people: no Markdown
own = [s for s in view.sectors if s.code in view.own_sectors]
if own:
    st.text("Votre secteur : " + ", ".join(s.name for s in own))
    referents = attempt(lambda: referent_service.mine(actor)) or []
    st.text(("Vos référents : " + ", ".join(referents)) if referents else "Votre secteur n'a pas encore de référent.")


def _signature(alerts: Any) -> tuple[tuple[int, str], ...]:
    return tuple((a.id, a.text) for a in alerts)


def _mark_read() -> None:
    unread = attempt(lambda: notify_service.unread_badge(actor, limit=0))
    if unread is not None and unread.count:
        attempt(lambda: notify_service.mark_read(actor, unread.last_id))


if not st.session_state.pop(LIVE_RERUN, False):
    _mark_read()  # a visit (not the live list asking for the map): the member sees the feed now

feed = alert_service.feed(actor, limit=100)
st.session_state[DRAWN] = _signature(feed.alerts)
st.session_state[FEED] = feed  # the list starts from what the map shows
left, right = st.columns([3, 2])


def _marker() -> tuple[int, int] | None:
    """(count, newest id) of my unread in-app messages: one index walk. Every publication, approval or
    withdrawal that concerns me writes one, so the feed is read again only when it moves."""
    try:
        unread = notify_service.unread_badge(actor, limit=0)
    except ServiceError:
        return None  # no in-app messages for this account: the feed is read every FULL_EVERY ticks
    return unread.count, unread.last_id


@st.fragment(run_every=LIVE_EVERY_S)
def live() -> None:
    """The list of alerts, every second; the feed read again only when my in-app marker moved (or every
    :data:`FULL_EVERY` ticks, for what writes no message: an edit, my own post); the page runs again (the map)
    only when the set of alerts changed."""
    state = st.session_state
    marker, tick = _marker(), state.get(TICKS, 0) + 1
    state[TICKS] = tick
    if FEED not in state or marker != state.get(MARKER) or tick % FULL_EVERY == 0:
        state[FEED], state[MARKER] = alert_service.feed(actor, limit=100), marker
    current = state[FEED]
    changed = _signature(current.alerts) != state.get(DRAWN)
    st.subheader(f"Alertes ({len(current.alerts)})")
    if not current.alerts:
        st.info(current.why_empty or "Aucune alerte pour l'instant dans votre secteur.")
    for alert in current.alerts[:LISTED]:
        # User text is shown as plain text (st.text): never Markdown, never HTML. One element per alert.
        when = alert.created_at[:16].replace("T", " ")
        st.text(f"{alert.category_label} · {alert.location.get('label') or ''} · {when}\n{alert.text}")
    if len(current.alerts) > LISTED:
        st.caption(f"… et {len(current.alerts) - LISTED} autres, sur la carte.")
    if changed:
        # After the list is out: the page runs once more to draw the map with the new set (not a visit).
        state[LIVE_RERUN] = True
        st.rerun(scope="app")


with right:
    live()  # before the map: in a full run too, the list is out first
with left:
    shown = [
        MapAlert(a.location["lon"], a.location["lat"], a.category_label, a.text, a.created_at[:16].replace("T", " "))
        for a in feed.alerts
        if a.location.get("lon") is not None and a.location.get("lat") is not None
    ]
    folium_map = commune_folium_map(view)
    alerts_layer(shown).add_to(folium_map)
    show_map(folium_map, key="mon-secteur")
