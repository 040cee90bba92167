"""Failures that are not bad input but still deserve a French sentence rather than a traceback."""

from __future__ import annotations


def explain(exc: BaseException) -> str | None:
    """A French message for a bad setting or an unusable database, else None (a bug: let it surface)."""
    from settings import SettingsError
    from store import database_unavailable

    if isinstance(exc, SettingsError):
        return str(exc)
    return database_unavailable(exc)


__all__ = ["explain"]
