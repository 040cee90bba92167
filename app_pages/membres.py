"""Membres: the mairie's desk for people (sign-ups to verify on the map, paper sign-up, referents, sanctions)
and for the commune (the gendarmerie's access, the charter, the alert categories).

For the mairie's agent and admin; the permission matrix decides which buttons each sees, and the services
decide again.
"""

import streamlit as st

from app_pages import _flash
from app_pages._desk_commune import commune_tab
from app_pages._desk_members import paper_tab, pending_tab, referents_tab, sanctions_tab
from app_pages._nav import MAIRIE
from app_pages._staff import attempt, require_page
from services.maps import commune_map
from services.staff import granted

# The actions whose buttons the page draws (``community.Action`` values).
DESK_ACTIONS = (
    "verify_member",
    "register_member",
    "assign_referent",
    "warn_member",
    "suspend_member",
    "exclude_member",
    "lift_sanction",
    "set_gendarmerie_access",
    "publish_charter",
    "edit_categories",
)

actor, _ = require_page(MAIRIE)
st.title("Membres")
view = attempt(lambda: commune_map(actor))
if view is None:
    st.stop()
rights = granted(actor, DESK_ACTIONS)
_flash.show()
pending, paper, referents, sanctions, commune = st.tabs(
    ["À vérifier", "Inscription papier", "Référents", "Sanctions", "Commune"]
)
with pending:
    pending_tab(actor, view, rights)
with paper:
    paper_tab(actor, view, rights)
with referents:
    referents_tab(actor, rights)
with sanctions:
    sanctions_tab(actor, rights)
with commune:
    commune_tab(actor, rights)
