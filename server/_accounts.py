"""``/auth/invitation``, ``/auth/forgot``, ``/auth/totp``: choosing a password, forgotten password, second factor.

Small server-rendered pages over :mod:`services.members` and :mod:`services.auth`; every form carries the
double-submit CSRF token.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from server import _html
from server._auth import EXPIRED_FORM, html_page
from server._cookies import CSRF_FIELD, SESSION_COOKIE, csrf_ok

if TYPE_CHECKING:
    from services import Actor

FORGOT_SENT = (
    "Si un compte existe pour cette adresse, un code pour choisir un nouveau mot de passe vient de lui être "
    "envoyé. Il est valable une heure."
)


def qr_data_uri(uri: str) -> str:
    """The QR code of ``uri`` as an SVG data URI, drawn by this server (segno): no third party sees the secret."""
    import segno

    return str(segno.make(uri, error="m").svg_data_uri(scale=5, border=2))


def totp_secret(uri: str) -> str:
    """The base32 secret of an ``otpauth://`` URI (for typing it by hand), in groups of four."""
    secret = parse_qs(urlsplit(uri).query).get("secret", [""])[0]
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


async def invitation_form(request: Request) -> Response:
    """GET /auth/invitation: choose a password with the code received."""
    return html_page(request, _html.invitation_page)


async def invitation(request: Request) -> Response:
    """POST /auth/invitation: set the password, then sign in."""
    from services import ServiceError
    from services.members import accept_invitation

    form = await request.form()
    if not csrf_ok(request, form.get(CSRF_FIELD)):
        return html_page(request, lambda t: _html.invitation_page(t, error=EXPIRED_FORM), status=403)
    try:
        await run_in_threadpool(
            accept_invitation, str(form.get("token") or "").strip(), str(form.get("password") or "")
        )
    except ServiceError as exc:
        message = " ".join([exc.message, *getattr(exc, "problems", [])])
        return html_page(request, lambda t: _html.invitation_page(t, error=message), status=400)
    return RedirectResponse("/auth/login?password=1", status_code=303)


async def forgot_form(request: Request) -> Response:
    """GET /auth/forgot: the e-mail to send a code to."""
    return html_page(request, _html.forgot_page)


async def forgot(request: Request) -> Response:
    """POST /auth/forgot: a code is created (sent by e-mail by the notifications); the same answer either way."""
    from services.auth import request_password_reset

    form = await request.form()
    if not csrf_ok(request, form.get(CSRF_FIELD)):
        return html_page(request, lambda t: _html.forgot_page(t, notice=EXPIRED_FORM), status=403)
    await run_in_threadpool(request_password_reset, str(form.get("email") or ""))
    return html_page(request, lambda t: _html.forgot_page(t, notice=FORGOT_SENT))


def _enrolling_actor(request: Request) -> Actor | None:
    from services import ServiceError
    from services.auth import current_actor

    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    try:
        return current_actor(token, require_mfa=False)
    except ServiceError:
        return None


async def totp_form(request: Request) -> Response:
    """GET /auth/totp: a new secret for the signed-in member, shown as a QR code."""
    from services.members import start_totp

    actor = await run_in_threadpool(_enrolling_actor, request)
    if actor is None:
        return RedirectResponse("/auth/login", status_code=303)
    enrolment = await run_in_threadpool(start_totp, actor)
    image, secret = qr_data_uri(enrolment.uri), totp_secret(enrolment.uri)
    return html_page(request, lambda t: _html.totp_page(t, image, secret))


async def totp(request: Request) -> Response:
    """POST /auth/totp: the first code turns the second factor on; the session becomes complete."""
    from services import ServiceError
    from services.members import confirm_totp

    form = await request.form()
    actor = await run_in_threadpool(_enrolling_actor, request)
    if actor is None:
        return RedirectResponse("/auth/login", status_code=303)
    if not csrf_ok(request, form.get(CSRF_FIELD)):
        return RedirectResponse("/auth/totp", status_code=303)
    try:
        await run_in_threadpool(confirm_totp, actor, str(form.get("totp") or ""))
    except ServiceError as exc:
        message = exc.message
        return html_page(
            request,
            lambda t: _html.message_page("Double authentification", message, link=("/auth/totp", "Réessayer")),
            status=400,
        )
    return RedirectResponse("/", status_code=303)


def routes() -> list[BaseRoute]:
    """The routes of this module."""
    return [
        Route("/auth/invitation", invitation_form, methods=["GET"]),
        Route("/auth/invitation", invitation, methods=["POST"]),
        Route("/auth/forgot", forgot_form, methods=["GET"]),
        Route("/auth/forgot", forgot, methods=["POST"]),
        Route("/auth/totp", totp_form, methods=["GET"]),
        Route("/auth/totp", totp, methods=["POST"]),
    ]
