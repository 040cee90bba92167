"""Notifications: the outbox, the dispatcher, the channels (in-app, SMTP e-mail, SMS gateway) and SMS intake.

Every event that must reach someone writes its messages in the outbox **in the transaction of the event**:
the alerts and community domains fire hooks (:func:`alerts.on_alert_event`, :func:`community.on_member_event`)
that this package registers; services call :func:`enqueue_broadcast`, :func:`enqueue_for_alert`
(withdrawal) and :func:`enqueue_for_member` (password reset…) with their own session. The hooks are registered
explicitly by :func:`register_hooks` (``services.start()`` does it), not on import. The dispatcher
(:class:`Dispatcher`) sends what is due; :func:`unread` feeds the app's badge; :func:`receive_sms` handles
``POST /sms/inbound``.

:func:`configure` sets the platform configuration the hooks use (the services call it once, from the settings).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from notify import _alerts, _members
from notify._config import NotifyConfig
from notify._dispatch import Dispatcher, DispatchReport, backoff
from notify._email import message_id
from notify._feed import InAppMessage, Unread, mark_read, unread
from notify._inbound import SmsReply, address_in, sign, signature_ok, split_message
from notify._inbound import receive as receive_sms
from notify._outbox import Draft, Recipient, load_prefs, plan
from notify._prefs import Prefs, normalize_phone, parse_quiet, quiet_until
from notify._route import sms_inbound_endpoint, sms_inbound_route
from notify._sms import request_for

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
    return _alerts.enqueue_for_alert(session, alert_id, move, _config, now)


def enqueue_for_member(session: Session, member: Any, event: str, now: datetime | None = None, **details: Any) -> int:
    """Write, in ``session``'s transaction, the message about a member's account (``verified``, ``refused``,
    ``warning``, ``suspension``, ``exclusion``, ``sector_changed``, ``invitation``, ``password_reset``)."""
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
    "DispatchReport",
    "Dispatcher",
    "Draft",
    "InAppMessage",
    "NotifyConfig",
    "Prefs",
    "Recipient",
    "SmsReply",
    "Unread",
    "address_in",
    "backoff",
    "configure",
    "current_config",
    "enqueue_broadcast",
    "enqueue_for_alert",
    "enqueue_for_member",
    "load_prefs",
    "mark_read",
    "message_id",
    "normalize_phone",
    "parse_quiet",
    "plan",
    "quiet_until",
    "receive_sms",
    "register_hooks",
    "request_for",
    "sign",
    "signature_ok",
    "sms_inbound_endpoint",
    "sms_inbound_route",
    "split_message",
    "unread",
]
