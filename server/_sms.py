"""``POST /sms/inbound``: the SMS gateway's webhook (the endpoint lives in ``notify``, the work in the services)."""

from __future__ import annotations

from starlette.routing import BaseRoute


def routes() -> list[BaseRoute]:
    """The SMS intake route, handled by :func:`services.notify.receive_sms`."""
    from notify import sms_inbound_route
    from services.notify import receive_sms

    return [sms_inbound_route(lambda raw, signature: receive_sms(raw, signature))]
