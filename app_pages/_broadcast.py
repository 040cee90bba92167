"""The broadcast form and the list of past broadcasts, shared by « Diffusion » (mairie) and « Alertes reçues »
(the gendarmerie's broadcast, while its access is open).

The reach is shown as counts only (members per sector, never who); the services decide who may broadcast.
"""

from __future__ import annotations

import uuid

import streamlit as st

from app_pages._alert_card import when
from app_pages._staff import attempt
from gis._safe_text import safe_cell
from services import Actor, alert_desk
from services import alerts as alert_service


def broadcast_form(actor: Actor, sectors: dict[str, str]) -> None:
    """Write a message to the whole commune (default) or to chosen sectors, see how many members it reaches,
    send it once (a key per form: a double click or a retry sends one message)."""
    chosen = st.multiselect(
        "Secteurs (aucun : toute la commune)", list(sectors), format_func=lambda c: f"{c} — {sectors[c]}",
        key="broadcast-sectors", placeholder="Toute la commune",
    )  # fmt: skip
    reach = attempt(lambda: alert_desk.reach(actor, chosen))
    if reach is None:
        return
    st.text(f"Destinataires : {reach.label}")
    st.metric("Membres atteints", reach.members)
    if reach.sectors:
        _detail(reach)
    key = st.session_state.setdefault("broadcast-key", uuid.uuid4().hex)
    with st.form("broadcast", clear_on_submit=True):
        text = st.text_area("Message", key="broadcast-text", max_chars=2000)
        sent = st.form_submit_button("Diffuser", type="primary")
    if sent:
        posted = attempt(lambda: alert_service.broadcast(actor, text=text, sectors=chosen, key=key))
        if posted is not None:
            del st.session_state["broadcast-key"]  # the next message is a new one
            st.success(f"Message n°{posted.alert_id} diffusé : {reach.label}.")


def past_broadcasts(actor: Actor) -> None:
    """The commune's official messages, newest first (texts as plain text)."""
    past = attempt(lambda: alert_desk.broadcasts(actor))
    if past is None:
        return
    st.subheader(f"Messages diffusés ({len(past)})")
    if not past:
        st.info("Aucun message diffusé pour l'instant.")
    for b in past:
        with st.container(border=True):
            st.text(f"n°{b.id} · {b.category_label} · {b.reach_label} · {when(b.published_at)}")
            st.text(b.text)


def _detail(reach: alert_desk.Reach) -> None:
    """Members reached per sector (the mairie's view; sector names as plain cells)."""
    with st.expander("Détail par secteur"):
        st.dataframe(
            {"Secteur": [safe_cell(f"{c} — {n}") for c, n, _m in reach.sectors],
             "Membres": [m for _c, _n, m in reach.sectors]},
            hide_index=True,
        )  # fmt: skip
