"""A French « Page introuvable » for nested addresses no route serves (``/a/b``).

Streamlit answers any unknown path with its ``index.html``, so that its client-side router can pick the page.
One segment (``/signaler``) is a page name, and the router shows the French « Page introuvable » page
(:func:`app_pages._nav.unknown_path`). With two or more segments the app's relative asset addresses resolve
under the first one, every script is refused, and the browser shows a blank page. This middleware answers such
requests itself: 404 with a small French page, before Streamlit's fallback.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from starlette.responses import HTMLResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from server._html import message_page

TITLE = "Page introuvable"
MESSAGE = "Cette adresse ne correspond à aucune page de Voisinage."


def first_segments(paths: Iterable[str]) -> frozenset[str]:
    """The literal first segments of route paths (parameters such as ``{path:path}`` are left out).

    Examples
    --------
    >>> sorted(first_segments(["/auth/login", "/_stcore/health", "/{path:path}", "", "/healthz"]))
    ['_stcore', 'auth', 'healthz']
    """
    found = set()
    for path in paths:
        head = path.strip("/").split("/", 1)[0]
        if head and "{" not in head:
            found.add(head)
    return frozenset(found)


def is_unserved(path: str, known: frozenset[str]) -> bool:
    """True when ``path`` has two segments or more and its first names no route nor static folder.

    Examples
    --------
    >>> known = frozenset({"auth", "static"})
    >>> is_unserved("/a/b", known), is_unserved("/auth/login", known), is_unserved("/signaler", known)
    (True, False, False)
    >>> is_unserved("/static/js/main.js", known), is_unserved("/a/b/", known)
    (False, True)
    """
    parts = [part for part in path.split("/") if part]
    return len(parts) >= 2 and parts[0] not in known


def _static_folders() -> frozenset[str]:
    """The folders of Streamlit's static directory (its assets are served from them)."""
    import streamlit

    static = Path(streamlit.__file__).parent / "static"
    return frozenset(entry.name for entry in static.iterdir() if entry.is_dir())


def _route_paths(app: object) -> list[str]:
    return [str(getattr(route, "path", "")) for route in getattr(app, "routes", [])]


class NestedNotFoundMiddleware:
    """Pure ASGI middleware: GET/HEAD of an unserved nested path gets a French 404 page.

    The served first segments are read once, from the Starlette application the request runs in
    (``scope["app"]``: the project's routes and Streamlit's), plus Streamlit's static folders.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._known: frozenset[str] | None = None

    def _served(self, scope: Scope) -> frozenset[str]:
        if self._known is None:
            self._known = first_segments(_route_paths(scope.get("app"))) | _static_folders()
        return self._known

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and scope.get("method") in ("GET", "HEAD")
            and is_unserved(scope.get("path", ""), self._served(scope))
        ):
            page = message_page(TITLE, MESSAGE, link=("/", "Revenir à l'accueil"))
            await HTMLResponse(page, status_code=404)(scope, receive, send)
            return
        await self.app(scope, receive, send)
