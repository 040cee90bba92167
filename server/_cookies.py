"""The cookies of the app: the session (HttpOnly, SameSite=Lax, Secure behind HTTPS) and the CSRF token."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

from starlette.requests import Request
from starlette.responses import Response

SESSION_COOKIE = "voisinage_session"
CSRF_COOKIE = "voisinage_csrf"
CSRF_FIELD = "csrf"


def is_secure(request: Request, policy: str) -> bool:
    """Whether cookies get the Secure flag: always, or when the request came over HTTPS.

    Behind a reverse proxy, uvicorn sets the scheme from ``X-Forwarded-Proto`` when the proxy is trusted
    (``trusted_proxies``).
    """
    return policy == "always" or request.url.scheme == "https"


def set_session(response: Response, token: str, expires_at: datetime, *, secure: bool) -> None:
    """Put the server-side session token in the HttpOnly cookie (never in a URL)."""
    max_age = max(0, int((expires_at - datetime.now(UTC)).total_seconds()))
    response.set_cookie(SESSION_COOKIE, token, max_age=max_age, path="/", httponly=True, samesite="lax", secure=secure)


def clear_session(response: Response, *, secure: bool) -> None:
    """Remove the session cookie from the browser."""
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax", secure=secure)


def csrf_token(request: Request) -> str:
    """The request's CSRF token (from its cookie), or a new one to set with :func:`set_csrf`."""
    current = request.cookies.get(CSRF_COOKIE, "")
    return current if len(current) >= 32 else secrets.token_urlsafe(32)


def set_csrf(response: Response, token: str, *, secure: bool) -> None:
    """The double-submit CSRF cookie: HttpOnly (the form carries its copy), SameSite=Strict."""
    response.set_cookie(CSRF_COOKIE, token, path="/", httponly=True, samesite="strict", secure=secure)


def csrf_ok(request: Request, submitted: object) -> bool:
    """Whether the form's CSRF field matches the cookie (double submit; constant-time comparison)."""
    cookie = request.cookies.get(CSRF_COOKIE, "")
    return bool(cookie) and isinstance(submitted, str) and secrets.compare_digest(cookie, submitted)
