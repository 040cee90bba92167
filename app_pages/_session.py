"""The signed-in actor of the current Streamlit run, from the HttpOnly session cookie."""

from __future__ import annotations

import streamlit as st

from server._cookies import SESSION_COOKIE
from services import Actor, ServiceError


def session_token() -> str | None:
    """The session token from the browser's HttpOnly cookie (sent with the websocket's opening request)."""
    token = st.context.cookies.get(SESSION_COOKIE)
    return token if isinstance(token, str) and token else None


def signed_in() -> Actor | None:
    """The actor behind the session cookie, or None (no cookie, or a session expired or revoked)."""
    from services.auth import current_actor

    token = session_token()
    if not token:
        return None
    try:
        return current_actor(token)
    except ServiceError:
        return None


def auth_link(href: str, label: str) -> None:
    """A link to one of the ``/auth/*`` pages, opened in the same tab (a Markdown link would open a new one).

    Only fixed strings of the app go through here, never user data.
    """
    from html import escape

    st.html(f'<p><a href="{escape(href)}">{escape(label)}</a></p>')


def require_actor() -> Actor:
    """The signed-in actor; otherwise a French message with the sign-in link, and the page stops."""
    actor = signed_in()
    if actor is None:
        st.warning("Vous n'êtes pas connecté·e, ou votre session a expiré.")
        auth_link("/auth/login", "Se connecter")
        st.stop()
    return actor
