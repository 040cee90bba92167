"""Hooks run inside the transaction that changes a member (verification, refusal, sanction, new sector…).

The community does not know who listens: ``notify`` registers a function with :func:`on_member_event` and
writes its outbox in the same transaction as the change.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

# (session, member, event, details) -> None. Events: "verified", "refused", "warning", "suspension",
# "exclusion", "sector_changed", "invitation", "password_reset", "sign_up_again".
MemberHook = Callable[[Session, Any, str, dict[str, Any]], None]
_hooks: dict[str, MemberHook] = {}


def on_member_event(name: str, hook: MemberHook) -> None:
    """Register ``hook`` under ``name`` (registering a name again replaces it)."""
    _hooks[name] = hook


def fire(session: Session, member: Any, event: str, **details: Any) -> None:
    """Call every registered hook in the current transaction (their errors abort the change)."""
    for hook in list(_hooks.values()):
        hook(session, member, event, details)
