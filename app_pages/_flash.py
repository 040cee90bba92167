"""A confirmation that survives the rerun after an action: set it, rerun, show it once at the top."""

from __future__ import annotations

from typing import NoReturn

import streamlit as st

_KEY = "flash-message"


def done(message: str) -> NoReturn:
    """Remember ``message`` (a fixed French sentence, or one with user text already made plain) and rerun."""
    st.session_state[_KEY] = message
    st.rerun()


def show() -> None:
    """The confirmation of the action taken before this run, once."""
    message = st.session_state.pop(_KEY, None)
    if message:
        st.success(message)
