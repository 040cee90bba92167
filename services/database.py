"""The database itself: create it or bring its schema up to date."""

from __future__ import annotations

from services._core import engine


def init() -> str:
    """Apply every migration to the configured database; return its URL (password hidden)."""
    from store import upgrade

    made = engine()
    upgrade(made)
    return made.url.render_as_string(hide_password=True)


__all__ = ["init"]
