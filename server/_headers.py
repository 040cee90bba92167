"""Security headers on every response, and the Content-Security-Policy of the app.

Why each CSP source is there (the minimal policy Streamlit 1.67 and the folium maps work with):

- ``default-src 'self'``: nothing from another origin unless named below;
- ``script-src 'self'`` plus the hashes of the inline scripts of Streamlit's own ``index.html`` (computed at
  start from the installed file, so no ``'unsafe-inline'`` and no ``'unsafe-eval'`` on the app's pages);
- the map component's frame (``/component/streamlit_folium…``) gets ``script-src 'self' 'unsafe-inline'``
  in its own policy (no hash there: a hash would disable ``'unsafe-inline'``): streamlit-folium
  injects folium's generated map script as an inline ``<script>``; the data it carries is escaped by
  :mod:`layers`;
- ``style-src 'self' 'unsafe-inline'``: Streamlit (emotion) and Leaflet set styles at run time;
- ``img-src 'self' data: blob:`` (+ the tile server when tiles are on); ``font-src 'self' data:``;
- ``connect-src 'self'``: the Streamlit websocket and fetches (CSP 3: ``'self'`` covers ws/wss on this host);
- ``frame-src 'self'``: components are served by this server; ``worker-src 'self' blob:``;
- ``object-src 'none'``, ``base-uri 'self'``, ``form-action 'self'``, ``frame-ancestors 'self'``.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

MAP_COMPONENT_PREFIX = "/component/streamlit_folium"
_INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", re.DOTALL | re.IGNORECASE)


def inline_script_hashes(html: str) -> list[str]:
    """CSP ``'sha256-…'`` sources for the inline scripts of ``html``."""
    return [
        "'sha256-" + base64.b64encode(hashlib.sha256(body.encode("utf-8")).digest()).decode("ascii") + "'"
        for body in _INLINE_SCRIPT.findall(html)
    ]


def streamlit_index_hashes() -> list[str]:
    """The hashes of the inline scripts of the installed Streamlit's ``index.html``."""
    import streamlit

    index = Path(streamlit.__file__).parent / "static" / "index.html"
    return inline_script_hashes(index.read_text(encoding="utf-8"))


def content_security_policy(script_sources: list[str], tile_origin: str | None = None) -> str:
    """The Content-Security-Policy header value.

    Parameters
    ----------
    script_sources
        Extra ``script-src`` sources (hashes, or ``'unsafe-inline'`` for the map frame).
    tile_origin
        ``scheme://host`` of the tile server when tiles are on.
    """
    tiles = f" {tile_origin}" if tile_origin else ""
    directives = [
        "default-src 'self'",
        "script-src " + " ".join(["'self'", *script_sources]),
        "style-src 'self' 'unsafe-inline'",
        f"img-src 'self' data: blob:{tiles}",
        "font-src 'self' data:",
        "connect-src 'self'",
        "frame-src 'self'",
        "worker-src 'self' blob:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'self'",
    ]
    return "; ".join(directives)


def security_headers(csp: str) -> list[tuple[bytes, bytes]]:
    """The headers added to every response."""
    return [
        (b"content-security-policy", csp.encode("ascii")),
        (b"referrer-policy", b"no-referrer"),
        (b"x-content-type-options", b"nosniff"),
        (b"x-frame-options", b"SAMEORIGIN"),
        (b"cross-origin-opener-policy", b"same-origin"),
        (b"permissions-policy", b"camera=(), microphone=(), geolocation=(self)"),
    ]


class SecurityHeadersMiddleware:
    """Pure ASGI middleware: adds the security headers to every HTTP response (replacing any same-named one)."""

    def __init__(self, app: ASGIApp, *, tile_origin: str | None = None) -> None:
        self.app = app
        hashes = streamlit_index_hashes()
        self._page = security_headers(content_security_policy(hashes, tile_origin))
        self._map_frame = security_headers(content_security_policy(["'unsafe-inline'"], tile_origin))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = self._map_frame if scope.get("path", "").startswith(MAP_COMPONENT_PREFIX) else self._page
        names = {name for name, _ in extra}

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                kept = [(k, v) for k, v in message.get("headers", []) if k.lower() not in names]
                message["headers"] = kept + extra
            await send(message)

        await self.app(scope, receive, send_with_headers)
