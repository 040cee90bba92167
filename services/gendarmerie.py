"""The gendarmerie's access to a commune's alerts: closed by default, opened or closed by a mairie admin."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from services._community import in_commune
from services._core import Actor
from store.schema import as_utc

__all__ = ["AccessChange", "AccessStatus", "close_access", "history", "open_access"]


@dataclass(frozen=True)
class AccessChange:
    """One opening or closing: when, by whom (None: the operator), why."""

    at: datetime
    is_open: bool
    by_member_id: int | None
    reason: str


@dataclass(frozen=True)
class AccessStatus:
    """Whether the access is open now, and every change, oldest first."""

    commune_id: int
    is_open: bool
    changes: tuple[AccessChange, ...]


def _set(actor: Actor, commune: str | None, is_open: bool, reason: str, now: datetime | None) -> bool:
    from community import set_gendarmerie_access

    with in_commune(actor, commune) as (session, found):
        return set_gendarmerie_access(session, actor, found, is_open, reason=reason, now=now)


def open_access(actor: Actor, commune: str | None, *, reason: str = "", now: datetime | None = None) -> bool:
    """Open the access; returns False (nothing recorded) when it already was open."""
    return _set(actor, commune, True, reason, now)


def close_access(actor: Actor, commune: str | None, *, reason: str = "", now: datetime | None = None) -> bool:
    """Close the access; returns False (nothing recorded) when it already was closed."""
    return _set(actor, commune, False, reason, now)


def history(actor: Actor, commune: str | None) -> AccessStatus:
    """The access now and its history (for whoever may open or close it; the reading is audited)."""
    from community import (
        Action,
        authorize,
        gendarmerie_access_history,
        gendarmerie_access_open,
        record,
    )

    with in_commune(actor, commune) as (session, found):
        authorize(session, actor, Action.SET_GENDARMERIE_ACCESS, commune_id=found.id)
        record(session, actor, "viewed", "gendarmerie_access", found.id, commune_id=found.id)
        changes = tuple(
            AccessChange(as_utc(c.changed_at), c.is_open, c.changed_by_id, c.reason)
            for c in gendarmerie_access_history(session, found.id)
        )
        return AccessStatus(found.id, gendarmerie_access_open(session, found.id), changes)
