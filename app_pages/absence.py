"""Absence: a holiday watch (like the police's Opération Tranquillité Vacances).

Seen only by the mairie's agents, by the gendarmerie while its access is open, and by the one trusted neighbour
named here; referents and other neighbours never learn who is away (``services.absences`` decides).
"""

from datetime import date, timedelta

import streamlit as st

from app_pages._session import require_actor
from services import ServiceError
from services import absences as absence_service

actor = require_actor()
st.title("Absence")
st.write(
    "Vous partez ? Déclarez votre absence : les agents de la mairie (et la gendarmerie quand la mairie lui ouvre "
    "l'accès) le sauront, ainsi que le voisin de confiance que vous nommez. Les référents et les autres voisins, "
    "jamais. Une alerte publiée près de chez vous pendant la période leur sera signalée."
)

with st.form("absence"):
    today = date.today()
    period = st.date_input("Période", value=(today + timedelta(days=1), today + timedelta(days=8)), format="DD/MM/YYYY")
    trusted = st.text_input("E-mail d'un voisin de confiance (facultatif)")
    if st.form_submit_button("Déclarer mon absence"):
        if not isinstance(period, tuple) or len(period) != 2:
            st.error("Choisissez la date de départ et la date de retour.")
        else:
            try:
                absence_service.declare(actor, period[0], period[1], trusted_email=trusted.strip() or None)
                st.success("Absence enregistrée.")
            except ServiceError as exc:
                st.error(exc.message)

st.header("Mes absences")
try:
    mine = absence_service.mine(actor)
except ServiceError as exc:
    st.error(exc.message)
    st.stop()
if not mine:
    st.info("Aucune absence déclarée.")
for absence in mine:
    left, right = st.columns([3, 1])
    left.text(f"Du {absence.starts_on:%d/%m/%Y} au {absence.ends_on:%d/%m/%Y}")
    if right.button("Annuler", key=f"cancel-{absence.id}"):
        try:
            absence_service.cancel(actor, absence.id)
            st.rerun()
        except ServiceError as exc:
            st.error(exc.message)
