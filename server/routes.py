"""The project's routes beside Streamlit's, gathered from route providers.

A provider is ``"module:function"`` returning a list of Starlette routes; another part of Voisinage adds
its routes by appending its provider to :data:`ROUTE_PROVIDERS` (e.g. the SMS intake of ``notify``).
Providers are imported when the app is built, not before.
"""

from __future__ import annotations

from importlib import import_module

from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import BaseRoute, Route

ROUTE_PROVIDERS: list[str] = [
    "server.routes:core_routes",
    "server._auth:routes",
    "server._accounts:routes",
    "server._assets:routes",
    "server._sms:routes",
    "server._unsubscribe:routes",
]


async def healthz(_request: Request) -> PlainTextResponse:
    """GET /healthz: the process answers."""
    return PlainTextResponse("ok")


def core_routes() -> list[BaseRoute]:
    """The health check."""
    return [Route("/healthz", healthz, methods=["GET"])]


def routes() -> list[BaseRoute]:
    """Every route of every provider, in order."""
    gathered: list[BaseRoute] = []
    for provider in ROUTE_PROVIDERS:
        module, _, function = provider.partition(":")
        gathered.extend(getattr(import_module(module), function)())
    return gathered
