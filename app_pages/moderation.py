"""Modération: the alerts of my sectors waiting for a decision (referent), or of the commune (mairie).

Who holds an alert is shown, so two moderators do not decide at once; every decision is the service's
(``services.alerts.moderate`` / ``withdraw``), which checks the permission matrix again.
"""

import streamlit as st

from app_pages._nav import MODERATORS
from app_pages._session import require_actor
from app_pages._staff import plain
from services import ServiceError
from services import alerts as alert_service

actor = require_actor()
st.title("Modération")
if actor.role not in MODERATORS:
    st.error("Votre rôle ne permet pas de modérer les alertes.")
    st.stop()
try:
    feed = alert_service.feed(actor, limit=200)
except ServiceError as exc:
    st.error(exc.message)
    st.stop()

waiting = [a for a in feed.alerts if a.status == "pending"]
published = [a for a in feed.alerts if a.status == "published"]
st.subheader(f"En attente ({len(waiting)})")
if not waiting:
    st.info("Aucune alerte n'attend de décision.")


def _decide(alert_id: int, *decisions: dict[str, object]) -> None:
    """Apply the decisions in order (one per service call), then show the queue again."""
    try:
        for decision in decisions:
            if "withdraw" in decision:
                alert_service.withdraw(actor, alert_id, str(decision["withdraw"]))
            else:
                alert_service.moderate(actor, alert_id, **decision)  # type: ignore[arg-type]
    except ServiceError as exc:
        st.error(exc.message)
        return
    st.success("Décision enregistrée.")
    st.rerun()


for alert in waiting:
    with st.container(border=True):
        # Alert texts are shown as plain text: never Markdown, never HTML.
        st.text(f"{alert.category_label} · {alert.location.get('label') or ''} · secteurs {', '.join(alert.sectors)}")
        st.text(alert.text)
        if alert.held_by:
            st.caption(
                f"Pris en main par {plain(alert.held_by.get('name', '?'))} "
                f"jusqu'à {plain(alert.held_by.get('until', '')[:16])}"
            )
        edited = st.text_area("Texte (modifiable avant publication)", alert.text, key=f"edit-{alert.id}")
        reason = st.text_input("Motif (refus), dit à l'auteur", key=f"reason-{alert.id}")
        approve_col, reject_col = st.columns(2)
        if approve_col.button("Approuver", key=f"approve-{alert.id}"):
            edits: list[dict[str, object]] = [{"edit_text": edited}] if edited.strip() != alert.text.strip() else []
            _decide(alert.id, *edits, {"approve": True})
        if reject_col.button("Rejeter", key=f"reject-{alert.id}"):
            _decide(alert.id, {"reject": reason})

st.subheader(f"Publiées ({len(published)})")
for alert in published:
    with st.container(border=True):
        st.text(f"{alert.category_label} · {alert.text}")
        reason = st.text_input("Motif du retrait", key=f"withdraw-reason-{alert.id}")
        if st.button("Retirer", key=f"withdraw-{alert.id}"):
            _decide(alert.id, {"withdraw": reason})
