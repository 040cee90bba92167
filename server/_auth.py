"""``/auth/*``: sign-in and sign-out, small server-rendered pages over :mod:`services.auth`."""

from __future__ import annotations

from collections.abc import Callable

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from server import _html
from server._cookies import (
    CSRF_FIELD,
    SESSION_COOKIE,
    clear_session,
    csrf_ok,
    csrf_token,
    is_secure,
    set_csrf,
    set_session,
)

EXPIRED_FORM = "Le formulaire a expiré : rechargez la page et recommencez."


def _settings() -> tuple[str, bool]:
    from services._config import settings

    s = settings()
    return s.secure_cookies, s.demo_mode


def _demo_accounts() -> list[tuple[str, str, str, str]]:
    from data.demo_accounts import DEMO_ACCOUNTS, current_code

    return [(a.role_label, a.email, a.password, current_code(a)) for a in DEMO_ACCOUNTS]


def html_page(request: Request, page: Callable[[str], str], *, status: int = 200) -> HTMLResponse:
    """An HTML response built by ``page(csrf_token)``, (re)setting the CSRF cookie its form carries."""
    token = csrf_token(request)
    response = HTMLResponse(page(token), status_code=status, headers={"cache-control": "no-store"})
    policy, _demo = _settings()
    set_csrf(response, token, secure=is_secure(request, policy))
    return response


def _login(
    request: Request, *, status: int = 200, error: str | None = None, notice: str | None = None, email: str = ""
) -> HTMLResponse:
    _policy, demo = _settings()
    accounts = _demo_accounts() if demo else []
    return html_page(
        request,
        lambda token: _html.login_page(token, demo_accounts=accounts, error=error, notice=notice, email=email),
        status=status,
    )


async def login_form(request: Request) -> Response:
    """GET /auth/login: the sign-in form."""
    notice = None
    if request.query_params.get("out") == "1":
        notice = "Vous êtes déconnecté·e."
    elif request.query_params.get("password") == "1":
        notice = "Mot de passe enregistré : connectez-vous."
    return _login(request, notice=notice)


async def login(request: Request) -> Response:
    """POST /auth/login: open a session and set its cookie, or answer the form again with no cookie."""
    from services import ServiceError
    from services.auth import sign_in

    form = await request.form()
    email = str(form.get("email") or "")
    if not csrf_ok(request, form.get(CSRF_FIELD)):
        return _login(request, status=403, error=EXPIRED_FORM, email=email)
    try:
        signed = await run_in_threadpool(
            sign_in, email, str(form.get("password") or ""), str(form.get("totp") or "") or None
        )
    except ServiceError as exc:
        return _login(request, status=401, error=exc.message, email=email)
    response = RedirectResponse("/auth/totp" if signed.needs_totp_enrolment else "/", status_code=303)
    policy, _demo = _settings()
    set_session(response, signed.token, signed.expires_at, secure=is_secure(request, policy))
    return response


async def logout_form(request: Request) -> Response:
    """GET /auth/logout: a confirmation with a POST form."""
    return html_page(request, _html.logout_page)


async def logout(request: Request) -> Response:
    """POST /auth/logout: revoke the session server-side and remove its cookie."""
    from services.auth import sign_out

    form = await request.form()
    if not csrf_ok(request, form.get(CSRF_FIELD)):
        retry = _html.message_page("Déconnexion", EXPIRED_FORM, link=("/auth/logout", "Réessayer"))
        return html_page(request, lambda _token: retry, status=403)
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        await run_in_threadpool(sign_out, token)
    response = RedirectResponse("/auth/login?out=1", status_code=303)
    policy, _demo = _settings()
    clear_session(response, secure=is_secure(request, policy))
    return response


def routes() -> list[BaseRoute]:
    """The sign-in and sign-out routes."""
    return [
        Route("/auth/login", login_form, methods=["GET"]),
        Route("/auth/login", login, methods=["POST"]),
        Route("/auth/logout", logout_form, methods=["GET"]),
        Route("/auth/logout", logout, methods=["POST"]),
    ]
