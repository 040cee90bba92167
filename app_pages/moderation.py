"""Modération: the alerts of my sectors (referent), or of the whole commune (mairie), filtered.

Pending alerts and appeals first; who holds an alert is shown (take it in hand, let it go) so that two
moderators do not decide at once; approve, edit, reject, withdraw with a reason; the mairie also takes an
alert into account and closes it with feedback. Every decision is a service's (``services.alerts``), which
checks the permission matrix again: the page decides nothing.
"""

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from app_pages import _flash
from app_pages._alert_card import show_alert
from app_pages._nav import MAIRIE, MODERATORS
from app_pages._session import require_actor
from app_pages._staff import act, plain
from services import ServiceError, alert_desk
from services import alerts as alert_service
from services.alert_desk import STATUS_LABELS, DeskAlert

actor = require_actor()
st.title("Modération")
if actor.role not in MODERATORS:
    st.error("Votre rôle ne permet pas de modérer les alertes.")
    st.stop()
_flash.show()
commune_wide = actor.role in MAIRIE


def _filters() -> tuple[list[str], list[str], str | None]:
    """The sectors, statuses and category asked for (the mairie filters the commune; a referent, statuses)."""
    from services import stats as stats_service
    from services.maps import commune_map

    def statuses(where: DeltaGenerator) -> list[str]:
        return where.multiselect(
            "Statuts", list(STATUS_LABELS), format_func=STATUS_LABELS.__getitem__, key="mod-statuses",
            placeholder="Tous",
        )  # fmt: skip

    if not commune_wide:
        st.caption(f"Vos secteurs : {plain(', '.join(sorted(actor.referent_sectors))) or 'aucun'}")
        return [], statuses(st.container()), None
    sectors = {s.code: s.name for s in commune_map(actor).sectors}
    categories = dict(stats_service.alert_categories(actor))
    left, middle, right = st.columns(3)
    chosen = left.multiselect(
        "Secteurs (aucun : toute la commune)", list(sectors), format_func=lambda c: f"{c} — {sectors[c]}",
        key="mod-sectors", placeholder="Toute la commune",
    )  # fmt: skip
    chosen_statuses = statuses(middle)
    category = right.selectbox(
        "Catégorie", ["", *categories], format_func=lambda c: categories.get(c, "Toutes"), key="mod-category"
    )
    return chosen, chosen_statuses, category or None


try:
    chosen_sectors, chosen_statuses, chosen_category = _filters()
    queue = alert_desk.queue(actor, sectors=chosen_sectors, statuses=chosen_statuses, category=chosen_category)
except ServiceError as exc:
    st.error(exc.message)
    st.stop()


def _hold_buttons(item: DeskAlert) -> None:
    aid = item.view.id
    if item.held_by_me:
        if st.button("Relâcher", key=f"release-{aid}"):
            act(lambda: alert_service.release(actor, aid), "Alerte relâchée.")
    elif st.button("Prendre en main", key=f"hold-{aid}"):
        act(lambda: alert_service.hold(actor, aid), "Alerte prise en main.")


def _decide_waiting(item: DeskAlert) -> None:
    """Pending or appealed: approve (with the edited text), reject with a reason (final after an appeal)."""
    aid, text = item.view.id, item.view.text
    edited = st.text_area("Texte (modifiable avant publication)", text, key=f"edit-{aid}")
    reason = st.text_input("Motif du refus (transmis à l'auteur)", key=f"reason-{aid}")
    approve_col, reject_col, hold_col = st.columns(3)
    if approve_col.button("Approuver", key=f"approve-{aid}", type="primary"):

        def approve() -> object:
            if edited.strip() != text.strip():
                alert_service.moderate(actor, aid, edit_text=edited)
            return alert_service.moderate(actor, aid, approve=True)

        act(approve, "Alerte publiée.")
    label = "Rejeter l'appel (définitif)" if item.view.status == "appealed" else "Rejeter"
    if reject_col.button(label, key=f"reject-{aid}"):
        act(lambda: alert_service.moderate(actor, aid, reject=reason), "Alerte refusée.")
    with hold_col:
        _hold_buttons(item)


def _decide_published(item: DeskAlert) -> None:
    """Published or taken into account: edit, withdraw with a reason; the mairie acknowledges and closes."""
    aid, text = item.view.id, item.view.text
    with st.expander("Modifier, retirer" + (", prendre en compte, clore" if commune_wide else "")):
        edited = st.text_area("Texte", text, key=f"edit-{aid}")
        if st.button("Enregistrer le texte", key=f"save-{aid}"):
            act(lambda: alert_service.moderate(actor, aid, edit_text=edited), "Texte modifié.")
        reason = st.text_input("Motif du retrait (transmis à l'auteur)", key=f"withdraw-reason-{aid}")
        if st.button("Retirer", key=f"withdraw-{aid}"):
            act(lambda: alert_service.withdraw(actor, aid, reason), "Alerte retirée.")
        if commune_wide:
            if item.view.status == "published" and st.button("Prendre en compte", key=f"ack-{aid}"):
                act(lambda: alert_service.acknowledge(actor, aid), "Alerte prise en compte.")
            feedback = st.text_input("Retour (clôture)", key=f"feedback-{aid}")
            if st.button("Clore", key=f"close-{aid}"):
                act(lambda: alert_service.close(actor, aid, feedback), "Alerte close.")
        _hold_buttons(item)


SECTIONS = (
    ("pending", "En attente", _decide_waiting),
    ("appealed", "Appels à trancher", _decide_waiting),
    ("published", "Publiées", _decide_published),
    ("acknowledged", "Prises en compte", _decide_published),
    ("closed", "Closes", None),
    ("rejected", "Refusées", None),
)
for status, title, decide in SECTIONS:
    items = [i for i in queue if i.view.status == status]
    if status not in ("pending", "appealed") and not items:
        continue
    st.subheader(f"{title} ({len(items)})")
    if not items:
        st.info("Aucune alerte n'attend de décision." if status == "pending" else "Aucun appel à trancher.")
    for item in items:
        with st.container(border=True):
            show_alert(item)
            if decide is not None:
                decide(item)
