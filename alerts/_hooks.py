"""Hooks run inside the transaction that changes an alert (the notifications write their outbox there).

The alerts domain does not know who listens: a package below it in the map (``notify``) registers a function
with :func:`on_alert_event`; :func:`fire` calls every registered function with the session of the change, so
that what they write commits or rolls back with the alert itself.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

# (session, alert id, move) -> None. Moves: "publish", "submit", "approve", "reject", "appeal", "widen",
# "close", "withdraw", ... (the values of alerts.Move, plus "publish" for an alert published at posting).
AlertHook = Callable[[Session, int, str], None]
_hooks: dict[str, AlertHook] = {}


def on_alert_event(name: str, hook: AlertHook) -> None:
    """Register ``hook`` under ``name`` (registering a name again replaces it)."""
    _hooks[name] = hook


def fire(session: Session, alert_id: int, move: str) -> None:
    """Call every registered hook in the current transaction (their errors abort the change)."""
    for hook in list(_hooks.values()):
        hook(session, alert_id, move)
