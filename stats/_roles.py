"""Who may see small figures. Mirrors the roles of the members domain (resident, referent, mairie agent,
mairie admin, gendarmerie, platform admin); the community package's permission matrix is the authority once
it is on main, this module only needs to know who counts as staff.
"""

from __future__ import annotations

STAFF_ROLES = frozenset({"mairie-agent", "mairie-admin", "gendarmerie", "platform-admin"})
ROLES = frozenset({"resident", "referent", *STAFF_ROLES})


def normalise_role(role: str) -> str:
    """``mairie_agent``/``Mairie Agent`` -> ``mairie-agent``."""
    return role.strip().lower().replace("_", "-").replace(" ", "-")


def is_staff(role: str) -> bool:
    """Staff (mairie, gendarmerie, platform admin) see every figure; residents and referents do not see
    figures below the minimum count, nor heat cells below the heat minimum."""
    return normalise_role(role) in STAFF_ROLES
