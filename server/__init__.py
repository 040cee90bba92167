"""The app server of ``voisinage serve``: Streamlit's ``st.App`` (Starlette) with Voisinage's own routes
(health check, sign-in and sign-out, map assets) and security headers on every response.

Nothing heavy is imported here: :func:`server.build_app` imports Streamlit when it is called.
"""

from __future__ import annotations

from typing import Any


def build_app(*, warm_up: bool = False) -> Any:
    """The ASGI application served by ``voisinage serve`` (see :mod:`server._app`)."""
    from server._app import build_app as build

    return build(warm_up=warm_up)


__all__ = ["build_app"]
