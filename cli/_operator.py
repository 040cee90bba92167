"""Who acts at the command line: the operator (platform admin), or the operator acting for a member (``--as``)."""

from __future__ import annotations

import getpass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from community import Actor

AS_HELP = (
    "E-mail du membre pour qui l'opérateur agit : l'action est faite avec les droits de ce membre, "
    "et le journal d'audit note l'opérateur qui l'a faite pour lui."
)


def operator_label() -> str:
    """The operator running the command, named by their OS login."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # pragma: no cover - no login name in some containers
        user = "inconnu"
    return f"opérateur CLI ({user})"


def operator() -> Actor:
    """The person running the command, acting as platform admin (named in the audit log by their OS login)."""
    from community import Actor

    return Actor.operator(label=operator_label())


def acting_for(email: str, commune: str | None = None) -> Actor:
    """The member of e-mail ``email`` (of ``commune`` when given), driven by the operator (``--as``): audited as
    the operator acting for them."""
    from services.auth import act_for

    return act_for(email, operator=operator_label(), commune=commune)
