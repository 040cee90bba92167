"""The Starlette endpoint of ``POST /sms/inbound`` (registered by the app server with the services' handler).

It reads the raw body (the signature covers the exact bytes), hands it to ``handler`` (``services.notify.
receive_sms``) and answers with the handler's status; the reply text is in the body, for gateways that send
the HTTP answer back as the SMS reply.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from notify._inbound import SmsReply

Handler = Callable[[bytes, str | None], SmsReply]
MAX_BODY = 16_384


def sms_inbound_endpoint(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    """The endpoint calling ``handler(raw_body, signature_header)`` in a worker thread."""

    async def endpoint(request: Request) -> Response:
        raw = await request.body()
        if len(raw) > MAX_BODY:
            return JSONResponse({"reply": "Message trop long."}, status_code=413)
        reply = await run_in_threadpool(handler, raw, request.headers.get("x-voisinage-signature"))
        return JSONResponse({"reply": reply.text}, status_code=reply.status)

    return endpoint


def sms_inbound_route(handler: Handler) -> Route:
    """``POST /sms/inbound`` as a Starlette route."""
    return Route("/sms/inbound", sms_inbound_endpoint(handler), methods=["POST"])
