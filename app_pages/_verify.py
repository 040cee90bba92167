"""The verification card shared by « Inscriptions à vérifier » (referents) and « Membres » (the mairie)."""

from __future__ import annotations

from collections.abc import Mapping

import streamlit as st

from app_pages._flash import done
from app_pages._staff import plain
from community import VERIFICATION_METHODS
from services import Actor, ServiceError
from services import members as member_service
from services.members import MemberInfo

CHANNELS = {"web": "inscription en ligne", "paper": "formulaire papier", "operator": "inscrit par l'opérateur"}


def verification_card(
    actor: Actor, member: MemberInfo, *, sector_names: Mapping[str, str] | None = None, detail: str = ""
) -> None:
    """One pending sign-up: who, where, how the address was checked, and the buttons to verify or refuse.

    Names and addresses typed by people are shown as plain text only. ``sector_names`` gives a sector's name by
    its code; ``detail`` is an extra caption line (plain text).
    """
    with st.container(border=True):
        st.text(f"{member.name} — {member.address or 'adresse non renseignée'}")
        code = member.sector_code or ""
        sector = (sector_names or {}).get(code) or (f"Secteur {code}" if code else "Aucun secteur")
        channel = CHANNELS.get(member.registered_via, member.registered_via)
        st.caption(plain(f"{sector} · {channel}{detail}"))
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
