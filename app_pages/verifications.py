"""Vérifications: the sign-ups waiting for a proof of address, for a referent (their sectors).

The mairie verifies in the « À vérifier » tab of « Membres », with the same card (``app_pages._verify``).
"""

import streamlit as st

from app_pages import _flash
from app_pages._session import require_actor
from app_pages._verify import verification_card
from services import ServiceError
from services import members as member_service
from services.maps import commune_map

actor = require_actor()
st.title("Inscriptions à vérifier")
try:
    pending = member_service.list_members(actor, status="pending")
except ServiceError as exc:
    st.error(exc.message)
    st.stop()

_flash.show()
if not pending:
    st.info("Aucune inscription n'attend de vérification.")
names = {s.code: s.name for s in commune_map(actor).sectors}
for member in pending:
    verification_card(actor, member, sector_names=names)
