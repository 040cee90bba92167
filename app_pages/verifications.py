"""Vérifications: the sign-ups waiting for a proof of address, for a referent (their sectors) or the mairie."""

import streamlit as st

from app_pages._session import require_actor
from app_pages._staff import plain
from community import VERIFICATION_METHODS
from services import ServiceError
from services import members as member_service

actor = require_actor()
st.title("Inscriptions à vérifier")
try:
    pending = member_service.list_members(actor, status="pending")
except ServiceError as exc:
    st.error(exc.message)
    st.stop()

if not pending:
    st.info("Aucune inscription n'attend de vérification.")
methods = list(VERIFICATION_METHODS)
for member in pending:
    with st.container(border=True):
        # Names and addresses typed by people: plain text only.
        st.text(f"{member.name} — {member.address or 'adresse non renseignée'}")
        st.caption(f"Secteur {plain(member.sector_code or '—')} · inscrit par {plain(member.registered_via)}")
        method = st.selectbox(
            "Comment l'adresse a été vérifiée",
            methods,
            format_func=lambda m: VERIFICATION_METHODS[m],
            key=f"method-{member.id}",
        )
        reason = st.text_input("Motif, en cas de refus (dit à la personne)", key=f"reason-{member.id}")
        verify_col, refuse_col = st.columns(2)
        try:
            if verify_col.button("Vérifier", key=f"verify-{member.id}") and member.email:
                member_service.verify(actor, None, member.email, method=method)
                st.success("Inscription vérifiée.")
                st.rerun()
            if refuse_col.button("Refuser", key=f"refuse-{member.id}") and member.email:
                member_service.refuse(actor, None, member.email, reason=reason)
                st.success("Inscription refusée.")
                st.rerun()
        except ServiceError as exc:
            st.error(exc.message)
