"""The verification card shared by « Inscriptions à vérifier » (referents) and « Membres » (the mairie)."""

from __future__ import annotations

import streamlit as st

from app_pages._flash import done
from community import VERIFICATION_METHODS
from services import Actor, ServiceError
from services import members as member_service
from services.members import MemberInfo


def verification_card(actor: Actor, member: MemberInfo, *, detail: str = "") -> None:
    """One pending sign-up: who, where, how the address was checked, and the buttons to verify or refuse.

    Names and addresses typed by people are shown as plain text only. ``detail`` is an extra caption line.
    """
    with st.container(border=True):
        st.text(f"{member.name} — {member.address or 'adresse non renseignée'}")
        st.caption(f"Secteur {member.sector_code or '—'} · inscrit par {member.registered_via}{detail}")
        method = st.selectbox(
            "Comment l'adresse a été vérifiée",
            list(VERIFICATION_METHODS),
            format_func=lambda m: VERIFICATION_METHODS[m],
            key=f"method-{member.id}",
        )
        reason = st.text_input("Motif, en cas de refus (dit à la personne)", key=f"reason-{member.id}")
        verify_col, refuse_col = st.columns(2)
        try:
            if verify_col.button("Vérifier", key=f"verify-{member.id}") and member.email:
                member_service.verify(actor, None, member.email, method=method)
                done("Inscription vérifiée.")
            if refuse_col.button("Refuser", key=f"refuse-{member.id}") and member.email:
                member_service.refuse(actor, None, member.email, reason=reason)
                done("Inscription refusée.")
        except ServiceError as exc:
            st.error(exc.message)
