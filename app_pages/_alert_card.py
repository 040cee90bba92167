"""How the staff desks show one alert: plain text only (st.text / st.caption of escaped text), never HTML."""

from __future__ import annotations

import streamlit as st

from app_pages._staff import plain
from services.alert_desk import STATUS_LABELS, DeskAlert


def when(iso: str) -> str:
    """``2026-11-30T21:05:00+00:00`` as ``2026-11-30 21:05``."""
    return iso[:16].replace("T", " ")


def show_alert(item: DeskAlert) -> None:
    """The alert's facts: category, place, sectors, status, text, and what a decision needs."""
    view = item.view
    status = STATUS_LABELS.get(view.status, view.status)
    # Alert texts, places and names come from people: st.text shows them as typed (no Markdown, no HTML).
    st.text(f"n°{view.id} · {view.category_label} · {view.location.get('label') or ''} · {status}")
    st.text(view.text)
    st.caption(f"Secteurs : {plain(', '.join(view.sectors))} · déposée le {when(view.created_at)}")
    if item.original_text:
        st.text(f"Texte d'origine de l'auteur : {item.original_text}")
    if item.reject_reason:
        st.text(f"Motif du refus ou du retrait : {item.reject_reason}")
    if item.appeal_text:
        st.text(f"Contestation de l'auteur : {item.appeal_text}")
    if item.feedback:
        st.text(f"Retour : {item.feedback}")
    if view.held_by:
        who = "vous" if item.held_by_me else view.held_by.get("name", "un autre modérateur")
        st.text(f"Pris en main par {who} jusqu'à {when(view.held_by.get('until', ''))} (UTC)")
