"""The ASGI application: ``st.App`` over ``streamlit_app.py`` with the project's routes and middleware."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from settings import PROJECT_ROOT

STREAMLIT_SCRIPT = PROJECT_ROOT / "streamlit_app.py"


@asynccontextmanager
async def _warming(_app: Any) -> AsyncIterator[None]:
    """Once Streamlit's runtime runs (the map component must register with it), warm up in the background."""
    from server._warmup import start_warm_up

    start_warm_up()
    yield


def build_app(*, warm_up: bool = False) -> Any:
    """Build the app: Streamlit, the routes of :mod:`server.routes`, the security headers, a French 404 for
    nested addresses no route serves; with ``warm_up``, :mod:`server._warmup` at start (``voisinage serve``).

    Raises
    ------
    InputError
        When the map tiles setting is invalid.
    """
    import streamlit as st
    from starlette.middleware import Middleware

    from layers import tile_spec
    from server._headers import SecurityHeadersMiddleware
    from server._not_found import NestedNotFoundMiddleware
    from server.routes import routes
    from services._config import settings

    tiles = tile_spec(settings().map_tiles)
    return st.App(
        STREAMLIT_SCRIPT,
        lifespan=_warming if warm_up else None,
        routes=routes(),
        middleware=[
            Middleware(SecurityHeadersMiddleware, tile_origin=tiles.origin),
            Middleware(NestedNotFoundMiddleware),
        ],
    )
