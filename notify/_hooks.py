"""The in-transaction side of notifications: the configuration the hooks use, the outbox writers for alert and
member events and broadcasts, and their registration with the domains (``services.start()``).

The writers import their modules on the first event, so that a process that changes nothing (a one-point
``sectors locate``) does not load the notification machinery.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from notify._config import NotifyConfig

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

_config = NotifyConfig()


def configure(config: NotifyConfig) -> None:
    """Set the configuration the in-transaction hooks use (links, …)."""
    global _config
    _config = config


def current_config() -> NotifyConfig:
    """The configuration set by :func:`configure` (the defaults until then)."""
    return _config


def enqueue_for_alert(session: Session, alert_id: int, move: str, now: datetime | None = None) -> int:
    """Write, in ``session``'s transaction, the messages an alert event calls for (see :mod:`notify._alerts`)."""
    from notify import _alerts  # imported on the first event: a command that changes nothing never pays for it

    return _alerts.enqueue_for_alert(session, alert_id, move, _config, now)


def enqueue_for_member(session: Session, member: Any, event: str, now: datetime | None = None, **details: Any) -> int:
    """Write, in ``session``'s transaction, the message about a member's account (``verified``, ``refused``,
    ``warning``, ``suspension``, ``exclusion``, ``sector_changed``, ``invitation``, ``password_reset``)."""
    from notify import _members

    return _members.enqueue_for_member(session, member, event, details, _config, now)


def enqueue_broadcast(
    session: Session,
    commune_id: int,
    sector_codes: list[str] | None,
    *,
    key: str,
    subject: str,
    text: str,
    author: str,
    now: datetime | None = None,
) -> int:
    """Write, in ``session``'s transaction, a broadcast of the mairie or the gendarmerie (``sector_codes`` None:
    the whole commune)."""
    from notify import _members

    return _members.enqueue_broadcast(
        session, commune_id, sector_codes, key=key, subject=subject, text=text, author=author, config=_config, now=now
    )


def register_hooks() -> None:
    """Register the outbox writers with the alerts and community domains (idempotent)."""
    from alerts import on_alert_event
    from community import on_member_event

    def alert_hook(session: Session, alert_id: int, move: str) -> None:
        enqueue_for_alert(session, alert_id, move)

    def member_hook(session: Session, member: Any, event: str, details: dict[str, Any]) -> None:
        enqueue_for_member(session, member, event, **details)

    on_alert_event("notify", alert_hook)
    on_member_event("notify", member_hook)


__all__ = [
    "configure",
    "current_config",
    "enqueue_broadcast",
    "enqueue_for_alert",
    "enqueue_for_member",
    "register_hooks",
]
