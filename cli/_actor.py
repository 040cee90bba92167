"""Who runs the command: the operator at the shell, acting as platform admin."""

from __future__ import annotations

import getpass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from community import Actor


def operator() -> Actor:
    """The person running the command, acting as platform admin (named in the audit log by their OS login)."""
    from community import Actor

    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # pragma: no cover - no login name in some containers
        user = "inconnu"
    return Actor.operator(label=f"opérateur CLI ({user})")


__all__ = ["operator"]
