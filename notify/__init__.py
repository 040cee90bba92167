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

from typing import TYPE_CHECKING

from gis._lazy import lazy_exports

if TYPE_CHECKING:
    from notify._config import NotifyConfig
    from notify._dispatch import Dispatcher, DispatchReport, backoff
    from notify._email import message_id
    from notify._feed import InAppMessage, Unread, mark_read, messages, unread
    from notify._hooks import (
        configure,
        current_config,
        enqueue_broadcast,
        enqueue_for_alert,
        enqueue_for_member,
        register_hooks,
    )
    from notify._inbound import SmsReply, address_in, sign, signature_ok, split_message
    from notify._inbound import receive as receive_sms
    from notify._outbox import Draft, Recipient, load_prefs, plan
    from notify._prefs import Prefs, normalize_phone, parse_quiet, quiet_until
    from notify._route import sms_inbound_endpoint, sms_inbound_route
    from notify._secrets import read_unsubscribe_token, seal, unseal, unsubscribe_token
    from notify._sms import request_for

__getattr__, __dir__ = lazy_exports(__name__)

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
    "messages",
    "normalize_phone",
    "parse_quiet",
    "plan",
    "quiet_until",
    "read_unsubscribe_token",
    "receive_sms",
    "register_hooks",
    "request_for",
    "seal",
    "sign",
    "signature_ok",
    "sms_inbound_endpoint",
    "sms_inbound_route",
    "split_message",
    "unread",
    "unseal",
    "unsubscribe_token",
]
