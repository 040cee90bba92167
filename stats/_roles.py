"""Who may see which statistics: read from the one permission matrix of the community domain.

Roles are :class:`community.Role`; a reader sees every figure (small counts, sparse heat cells, scheme
monitoring) when the matrix lets that role view the commune's statistics (``Action.VIEW_STATS`` at commune
scope or wider: mairie agents and admins, the gendarmerie while its access is open, the platform admin).
Everyone else (residents, referents) gets the public figures, small counts hidden.
"""

from __future__ import annotations

from community import MATRIX, ROLE_LABELS, Action, Role, Scope, scope_of
from gis import InputError

_WIDE = frozenset({Scope.COMMUNE, Scope.ANY_COMMUNE})
ROLES = frozenset(Role)
STAFF_ROLES = frozenset(r for r in MATRIX if scope_of(r, Action.VIEW_STATS) in _WIDE)


def as_role(role: str | Role) -> Role:
    """``mairie-agent``, ``mairie_agent`` or ``Mairie Agent`` -> :attr:`community.Role.MAIRIE_AGENT`.

    Raises
    ------
    gis.InputError
        An unknown role (the message lists the valid ones).
    """
    if isinstance(role, Role):
        return role
    key = str(role).strip().lower().replace("-", "_").replace(" ", "_")
    try:
        return Role(key)
    except ValueError:
        choices = ", ".join(sorted(r.value.replace("_", "-") for r in Role))
        raise InputError(f"Rôle « {role} » inconnu ; choisissez parmi {choices}.") from None


def normalise_role(role: str | Role) -> str:
    """The role's value (``mairie_agent``), from any accepted spelling."""
    return as_role(role).value


def role_label(role: str | Role) -> str:
    """French label of a role (``agent de mairie``)."""
    return ROLE_LABELS[as_role(role)]


def is_staff(role: str | Role) -> bool:
    """Whether ``role`` sees every figure: its ``VIEW_STATS`` scope covers the commune.

    For the gendarmerie this assumes its access is open; the edges check that first (a closed access means
    no statistics for it, as the matrix says).
    """
    return as_role(role) in STAFF_ROLES


def sees_members(role: str | Role) -> bool:
    """Whether ``role`` may read member figures per sector (members, referents): the matrix lets it list the
    commune's members (the mairie, the platform admin; not the gendarmerie, whatever its access)."""
    return scope_of(as_role(role), Action.LIST_MEMBERS) in _WIDE
