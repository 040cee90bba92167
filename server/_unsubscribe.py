"""``/notifications/unsubscribe``: the one-click unsubscribe link of the e-mails (RFC 8058).

Mail providers ``POST`` the link with the body ``List-Unsubscribe=One-Click`` and no session: the signed token
in the link is the only authority, and all it can do is turn the member's e-mails off. A ``GET`` (someone
opening the link in a browser) only shows a confirmation button: a link alone never changes anything.
"""

from __future__ import annotations

from html import escape

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Route

from notify._email import ACCOUNT_PATH, UNSUBSCRIBE_PATH
from server import _html

INVALID = "Ce lien de désinscription n'est pas valable. Choisissez ce que vous recevez dans « Mon compte »."


def _token(request: Request) -> str:
    return request.query_params.get("token", "")[:200]


async def unsubscribe_form(request: Request) -> Response:
    """GET: a confirmation button (the POST does the change)."""
    token = _token(request)
    body = (
        "<p>Vous ne recevrez plus de courriels de Voisinage. Les messages restent visibles dans l'application.</p>"
        f'<form method="post" action="{UNSUBSCRIBE_PATH}?token={escape(token, quote=True)}">'
        '<input type="hidden" name="List-Unsubscribe" value="One-Click">'
        '<button type="submit">Ne plus recevoir de courriels</button></form>'
        f'<p><a href="{ACCOUNT_PATH}">Choisir plutôt ce que je reçois (« Mon compte »)</a></p>'
    )
    return HTMLResponse(_html.page("Se désabonner des courriels", body))


async def unsubscribe(request: Request) -> Response:
    """POST: turn the member's e-mails off (one click, no session)."""
    from services.notify import unsubscribe as turn_off

    if len(await request.body()) > 4096:
        return HTMLResponse(_html.page("Se désabonner des courriels", f"<p>{escape(INVALID)}</p>"), status_code=413)
    if not await run_in_threadpool(turn_off, _token(request)):
        return HTMLResponse(_html.page("Se désabonner des courriels", f"<p>{escape(INVALID)}</p>"), status_code=400)
    body = (
        "<p>C'est fait : vous ne recevrez plus de courriels de Voisinage. Les alertes restent visibles dans "
        "l'application.</p>"
        f'<p><a href="{ACCOUNT_PATH}">Changer d\'avis dans « Mon compte »</a></p>'
    )
    return HTMLResponse(_html.page("Désabonnement enregistré", body))


def routes() -> list[BaseRoute]:
    """The one-click unsubscribe routes."""
    return [
        Route(UNSUBSCRIBE_PATH, unsubscribe_form, methods=["GET"]),
        Route(UNSUBSCRIBE_PATH, unsubscribe, methods=["POST"]),
    ]
