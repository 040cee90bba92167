"""Alertes reçues (gendarmerie, while the mairie keeps its access open): the commune's security alerts, those
not yet taken into account first; take one into account, give feedback (which closes it); a broadcast to the
commune. Everything goes with the access: the navigation drops the page, and a page already open refuses at
its next run (the services refuse too).
"""

from functools import partial

import streamlit as st

from app_pages import _flash
from app_pages._alert_card import show_alert
from app_pages._broadcast import broadcast_form, past_broadcasts
from app_pages._staff import act, require_page
from services import ServiceError, alert_desk
from services import alerts as alert_service
from services.maps import commune_map
from store.schema import Role

actor, _ = require_page({Role.GENDARMERIE}, ["handle_alerts"])
try:
    inbox = alert_desk.inbox(actor)
    sectors = {s.code: s.name for s in commune_map(actor).sectors}
except ServiceError as exc:
    st.error(exc.message)
    st.stop()


st.title("Alertes reçues")
_flash.show()
unread = [i for i in inbox if i.view.status == "published"]
st.caption(f"{len(unread)} alerte(s) à prendre en compte sur {len(inbox)}.")
alerts_tab, broadcast_tab = st.tabs(["Alertes", "Message à la commune"])
with alerts_tab:
    if not inbox:
        st.info("Aucune alerte de sécurité pour l'instant.")
    for item in inbox:
        aid = item.view.id
        with st.container(border=True):
            show_alert(item)
            if item.view.status == "closed":
                continue
            if item.view.status == "published" and st.button("Prendre en compte", key=f"ack-{aid}", type="primary"):
                act(partial(alert_service.acknowledge, actor, aid), "Alerte prise en compte.")
            feedback = st.text_input("Retour à l'auteur et à la mairie (clôt l'alerte)", key=f"feedback-{aid}")
            if st.button("Envoyer le retour", key=f"close-{aid}"):
                act(partial(alert_service.close, actor, aid, feedback), "Retour enregistré.")
with broadcast_tab:
    st.caption("Un message de la gendarmerie, à toute la commune ou aux secteurs choisis.")
    broadcast_form(actor, sectors)
    past_broadcasts(actor)
