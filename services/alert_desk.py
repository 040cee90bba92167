"""The staff desks over alerts: the moderation queue, the authorities' inbox, broadcasts and their reach.

Every function takes the acting :class:`Actor` first; the alerts domain decides with the permission matrix
(a referent's queue is the sectors they refer, whatever filter is asked; the gendarmerie's inbox and
broadcasts close with its access). The decisions themselves are :mod:`services.alerts`' (``moderate``,
``hold``, ``release``, ``withdraw``, ``acknowledge``, ``close``, ``broadcast``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from services._core import Actor, engine
from services.alerts import AlertView

__all__ = [
    "STATUS_LABELS",
    "Broadcast",
    "DeskAlert",
    "Reach",
    "broadcasts",
    "inbox",
    "queue",
    "reach",
]

# The statuses a desk filters on, with their French labels (the order of the moderation queue).
STATUS_LABELS = {
    "pending": "En attente",
    "appealed": "En appel",
    "published": "Publiée",
    "acknowledged": "Prise en compte",
    "closed": "Close",
    "rejected": "Refusée",
}


@dataclass(frozen=True)
class DeskAlert:
    """An alert as a desk shows it: its view, and what a decision needs."""

    view: AlertView
    reject_reason: str
    appeal_text: str
    original_text: str | None
    feedback: str
    held_by_me: bool

    @classmethod
    def of(cls, shown: dict[str, Any]) -> DeskAlert:
        """From the alerts domain's desk item."""
        held = shown.get("held_by") or {}
        return cls(
            AlertView.of(shown),
            shown.get("reject_reason", ""),
            shown.get("appeal_text", ""),
            shown.get("original_text"),
            shown.get("feedback", ""),
            bool(held.get("mine")),
        )


@dataclass(frozen=True)
class Reach:
    """Who a broadcast would reach: its label and, per sector, the members who would receive it (counts only)."""

    label: str
    members: int  # reached in all
    sectors: tuple[tuple[str, str, int], ...]  # (code, name, members); empty for who may not list members


@dataclass(frozen=True)
class Broadcast:
    """A past official message."""

    id: int
    category_label: str
    text: str
    reach_label: str
    published_at: str
    status: str


def _config() -> Any:
    from services._config import alert_config

    return alert_config()


def queue(
    actor: Actor,
    *,
    sectors: Sequence[str] = (),
    statuses: Sequence[str] = (),
    category: str | None = None,
    limit: int = 200,
    now: datetime | None = None,
) -> tuple[DeskAlert, ...]:
    """The alerts the actor moderates (referent: the sectors they refer; mairie: the commune), filtered by
    sector codes, statuses (:data:`STATUS_LABELS`) and category; waiting ones first.

    Raises
    ------
    ServiceError
        ``field="actor"`` for a role that moderates nothing, ``"status"`` for an unknown status.
    """
    from alerts import moderation_queue

    items = moderation_queue(
        engine(),
        actor,
        sectors=list(sectors),
        statuses=list(statuses),
        category=category,
        limit=limit,
        config=_config(),
        now=now,
    )
    return tuple(DeskAlert.of(i) for i in items)


def inbox(actor: Actor, *, limit: int = 200, now: datetime | None = None) -> tuple[DeskAlert, ...]:
    """The commune's security alerts for the mairie and the gendarmerie (while its access is open): those not
    yet taken into account first (``field="actor"`` when the matrix refuses)."""
    from alerts import inbox as read_inbox

    return tuple(DeskAlert.of(i) for i in read_inbox(engine(), actor, limit=limit, config=_config(), now=now))


def reach(actor: Actor, sectors: Sequence[str] = (), *, now: datetime | None = None) -> Reach:
    """How many members a broadcast to ``sectors`` (empty: the whole commune) would reach (per sector for the
    mairie, which may list members; a total for the gendarmerie).

    Raises
    ------
    ServiceError
        ``field="actor"`` without the right to broadcast; ``"sectors"`` for an unknown sector.
    """
    from alerts import broadcast_reach

    label, total, counts = broadcast_reach(engine(), actor, list(sectors), config=_config(), now=now)
    return Reach(label, total, tuple(counts))


def broadcasts(actor: Actor, *, limit: int = 50, now: datetime | None = None) -> tuple[Broadcast, ...]:
    """The commune's official messages, newest first (``field="actor"`` without the right to broadcast)."""
    from alerts import broadcasts as past

    return tuple(
        Broadcast(b["id"], b["category_label"], b["text"], b["reach_label"], b["published_at"], b["status"])
        for b in past(engine(), actor, limit=limit, config=_config(), now=now)
    )
