"""What the staff pages share: the guard that refuses a role the page is not for, and French errors."""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from typing import TypeVar

import streamlit as st

from app_pages._session import require_actor
from services import Actor, ServiceError
from store.schema import Role

T = TypeVar("T")
REFUSED = "Cette page n'est pas accessible avec votre compte."


def require_page(roles: Collection[Role], actions: Collection[str] = ()) -> tuple[Actor, frozenset[str]]:
    """The signed-in actor if their role is one of ``roles`` and the matrix grants every action of ``actions``.

    Returns the actor and the actions granted; otherwise a French refusal and the page stops.
    """
    from services.staff import granted

    actor = require_actor()
    rights = granted(actor, actions) if actions else frozenset()
    if actor.role not in roles or not set(actions) <= rights:
        st.error(REFUSED)
        st.stop()
    return actor, rights


# "=" (a setext heading under a line) and "&" (an entity such as &lt;) too: the text shows exactly as typed.
_MARKDOWN = str.maketrans({c: "\\" + c for c in "\\`*_{}[]()#+-.!|<>~$:=&"})
# Streamlit's Markdown turns a bare address (https://…, www.…) into a link even when its signs are escaped: a word
# joiner (invisible) after the scheme or the "www" keeps it text.
_AUTOLINK = re.compile(r"(https?:|www)(?=[/.])", re.IGNORECASE)


def plain(text: str) -> str:
    """``text`` with every Markdown sign escaped: names typed by people shown in a title or a message as typed
    (no link, no image fetched from elsewhere, bare addresses included)."""
    return _AUTOLINK.sub("\\g<1>\u2060", text).translate(_MARKDOWN)


def attempt(action: Callable[[], T], where: st.delta_generator.DeltaGenerator | None = None) -> T | None:
    """Run a service call; on refusal or bad input, its French message (shown in ``where``) and None."""
    try:
        return action()
    except ServiceError as exc:
        (where or st).error(exc.message)
        return None


def act(action: Callable[[], object], message: str) -> None:
    """Run a service call that changes something: on success, ``message`` shown after the rerun (``_flash``); on
    refusal or bad input, its French message here."""
    from app_pages._flash import done

    if attempt(action) is not None:
        done(message)
