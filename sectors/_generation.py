"""A process-wide counter of sector-set activations: in-memory locators reload when it moves."""

from __future__ import annotations

_state = {"generation": 0}


def current() -> int:
    """The current generation."""
    return _state["generation"]


def bump() -> None:
    """A sector set was activated (committed) in this process."""
    _state["generation"] += 1
