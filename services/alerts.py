"""Alerts: post, broadcast, read the feed and one alert, moderate, withdraw, acknowledge, close, appeal.

Every function takes the acting :class:`Actor` first (a member; the operator acts through
:func:`services.auth.act_for`). Rights are the permission matrix's: the alerts domain derives every decision
from ``community.MATRIX`` (who posts, who reads what, who moderates which sectors, who acknowledges). On top,
a member who has not accepted the commune's current charter cannot post (reading is not gated).

When the operator acts for a member, each action is also written to the audit log, naming the operator.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from services._core import Actor, ServiceError, engine, unit_of_work

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

__all__ = [
    "AlertView",
    "CategoryChoice",
    "Feed",
    "Passage",
    "Posted",
    "acknowledge",
    "anonymise_closed",
    "appeal",
    "broadcast",
    "categories",
    "close",
    "feed",
    "get",
    "hold",
    "marked",
    "moderate",
    "objections",
    "post",
    "release",
    "require_charter",
    "withdraw",
]


@dataclass(frozen=True)
class Passage:
    """A passage of an alert's text the checks object to: where it is, what to do, and whether it stops the post
    (else a moderator reads it first)."""

    start: int
    end: int
    advice: str
    refuses: bool


@dataclass(frozen=True)
class CategoryChoice:
    """A category of the actor's commune they may post in."""

    code: str
    label: str
    family: str  # securite, solidarite, officiel


@dataclass(frozen=True)
class Posted:
    """What became of a post: published, held for moderation, or already stored under the same key."""

    alert_id: int
    status: str
    created: bool
    sectors: tuple[str, ...]
    findings: tuple[str, ...]
    message: str
    # The passages sent to moderation (a published or replayed post has none).
    passages: tuple[Passage, ...] = ()


@dataclass(frozen=True)
class AlertView:
    """An alert as the actor may see it (never an exact point they may not see)."""

    id: int
    category: str
    category_label: str
    status: str
    text: str
    created_at: str
    sectors: tuple[str, ...]
    location: dict[str, Any]
    mine: bool
    scope: str | None = None  # how it is diffused (moderators, mairie, gendarmerie)
    held_by: dict[str, str] | None = None  # another moderator's claim (moderators)

    @classmethod
    def of(cls, shown: dict[str, Any]) -> AlertView:
        """From the domain's JSON-ready view."""
        return cls(
            id=shown["id"],
            category=shown["category"],
            category_label=shown["category_label"],
            status=shown["status"],
            text=shown["text"],
            created_at=shown["created_at"],
            sectors=tuple(shown["sectors"]),
            location=shown["location"],
            mine=shown["mine"],
            scope=shown.get("scope"),
            held_by=shown.get("held_by"),
        )

    def to_json(self) -> dict[str, Any]:
        """JSON-ready, the optional keys only when set."""
        out: dict[str, Any] = {
            "id": self.id,
            "category": self.category,
            "category_label": self.category_label,
            "status": self.status,
            "text": self.text,
            "created_at": self.created_at,
            "sectors": list(self.sectors),
            "location": self.location,
            "mine": self.mine,
        }
        if self.scope is not None:
            out["scope"] = self.scope
        if self.held_by is not None:
            out["held_by"] = self.held_by
        return out


@dataclass(frozen=True)
class Feed:
    """The newest alerts the actor may read; ``why_empty`` says why there are none (suspension, closed access…)."""

    alerts: tuple[AlertView, ...]
    why_empty: str | None


def _config() -> Any:
    from services._config import alert_config

    return alert_config()


# The operator acting for a member in this call, with what to audit: read by :func:`audit_operator_move`, which
# the alerts domain runs inside the transaction of every change (``alerts.on_alert_event``).
_operating: ContextVar[tuple[Actor, str, dict[str, Any]] | None] = ContextVar("voisinage_operating", default=None)


@contextmanager
def _operated(actor: Actor, action: str, **details: Any) -> Iterator[None]:
    """Within this block, a change to an alert made for a member by the operator is audited as such, in the
    change's own transaction (it commits or rolls back with it)."""
    if not actor.operated_by:
        yield
        return
    token = _operating.set((actor, action, details))
    try:
        yield
    finally:
        _operating.reset(token)


def audit_operator_move(session: Session, alert_id: int, move: str) -> None:
    """Alert hook: record the operator's move for a member in the transaction of the change."""
    pending = _operating.get()
    if pending is None:
        return
    from community import record

    actor, action, details = pending
    record(session, actor, action, "alert", alert_id, commune_id=actor.commune_id, **{"move": move, **details})


def _audit_operator_read(actor: Actor, alert_id: int | str, **details: Any) -> None:
    """A read by the operator for a member is audited after it (a read has no transaction to share)."""
    if not actor.operated_by:
        return
    from community import record

    with unit_of_work(actor.commune_id) as session:
        record(session, actor, "viewed", "alert", alert_id, commune_id=actor.commune_id, **details)


def require_charter(actor: Actor) -> None:
    """A member who has not accepted the commune's current charter may not post (``field="charter"``)."""
    from community import charter_to_accept
    from store.schema import Commune, Member

    if actor.member_id is None:
        return  # the alerts domain refuses the operator itself
    with unit_of_work(actor.commune_id) as session:
        member = session.get(Member, actor.member_id)
        pending = charter_to_accept(session, member) if member is not None else None
        if pending is not None:
            commune = session.get(Commune, pending.commune_id)
            name = commune.name if commune is not None else "la commune"
            raise ServiceError(
                f"Acceptez d'abord la charte de {name} (version {pending.version}) : sans elle, vous ne pouvez "
                "pas publier d'alerte.",
                field="charter",
            )


def _posted(result: Any) -> Posted:
    spans = getattr(result, "spans", ())
    passages = tuple(
        Passage(start, end, advice, refuses=False) for (start, end), advice in zip(spans, result.findings, strict=False)
    )
    return Posted(
        result.alert_id, str(result.status), result.created, tuple(result.sectors), tuple(result.findings),
        result.message, passages,
    )  # fmt: skip


def objections(error: Exception) -> tuple[Passage, ...]:
    """The passages the checks objected to when ``error`` is their refusal of a post (else none), in text order.

    The page shows the author's text with these passages marked (:func:`alerts.marked_segments`).
    """
    from alerts import Action, AlertRefusedError

    if not isinstance(error, AlertRefusedError):
        return ()
    return tuple(
        Passage(f.start, f.end, f.message, refuses=f.action in (Action.REFUSE, None)) for f in error.result.findings
    )


def marked(text: str, passages: Sequence[Passage]) -> list[tuple[str, bool]]:
    """``text`` cut into ``(piece, marked)`` pieces, the ``passages`` marked (see :func:`alerts.marked_segments`)."""
    from alerts import marked_segments

    return marked_segments(text, [(p.start, p.end) for p in passages])


def categories(actor: Actor) -> list[CategoryChoice]:
    """The categories of the actor's commune (its own set: renamed, disabled, added by the mairie) the actor may
    post in, as the commune lists them.

    Raises
    ------
    ServiceError
        ``field="actor"`` for an account of no commune.
    """
    from alerts import commune_categories

    if actor.commune_id is None:
        raise ServiceError("Ce compte n'est rattaché à aucune commune.", field="actor")
    with unit_of_work(actor.commune_id, write=False) as session:
        found = commune_categories(session, actor.commune_id)
    return [CategoryChoice(c.code, c.label, str(c.family)) for c in found if c.may_be_posted_by(actor.role.value)]


def post(
    actor: Actor,
    *,
    category: str,
    text: str,
    lon: float | None = None,
    lat: float | None = None,
    address: str | None = None,
    key: str | None = None,
    confirm_new: bool = False,
    now: datetime | None = None,
) -> Posted:
    """Post an alert at a point or an address.

    Raises
    ------
    ServiceError
        ``field`` is ``charter`` (charter not accepted), ``text``, ``category``, ``address``, ``key``,
        ``confirm_new`` (a probable duplicate: post again confirming it is a new fact) or ``actor``; an
        :class:`alerts.AlertRefusedError` (emergency, passages to remove) or :class:`alerts.RateLimitError`.
    """
    from alerts import post_alert

    require_charter(actor)
    with _operated(actor, "created", category=category):
        result = post_alert(
            engine(),
            actor,
            category=category,
            text=text,
            lon=lon,
            lat=lat,
            address=address,
            key=key,
            confirm_new=confirm_new,
            config=_config(),
            now=now,
        )
    return _posted(result)


def broadcast(
    actor: Actor,
    *,
    text: str,
    sectors: Sequence[str] | None = None,
    lon: float | None = None,
    lat: float | None = None,
    address: str | None = None,
    key: str | None = None,
    now: datetime | None = None,
) -> Posted:
    """An official message of the mairie or the gendarmerie: to the whole commune, or to the ``sectors`` named.

    The category follows the author's role (message of the mairie, of the gendarmerie); the matrix's
    ``BROADCAST`` decides who may. A place is optional.
    """
    from alerts import post_alert
    from store.schema import Role

    category = "message-gendarmerie" if actor.role == Role.GENDARMERIE else "message-mairie"
    with _operated(actor, "created", category=category, sectors=list(sectors or [])):
        result = post_alert(
            engine(),
            actor,
            category=category,
            text=text,
            lon=lon,
            lat=lat,
            address=address,
            key=key,
            sectors=list(sectors or []),
            config=_config(),
            now=now,
        )
    return _posted(result)


def feed(actor: Actor, *, limit: int = 50, before_id: int | None = None, now: datetime | None = None) -> Feed:
    """The newest alerts the actor may read (newest first), and why the feed is empty when it is."""
    from alerts import feed_page

    items, why = feed_page(engine(), actor, limit=limit, before_id=before_id, config=_config(), now=now)
    _audit_operator_read(actor, "feed", count=len(items))
    return Feed(tuple(AlertView.of(i) for i in items), why)


def get(actor: Actor, alert_id: int, *, now: datetime | None = None) -> AlertView:
    """One alert, if the actor may read it (``field="alert_id"`` otherwise, whether it exists or not)."""
    from alerts import get_alert

    shown = get_alert(engine(), actor, alert_id, now=now)
    _audit_operator_read(actor, alert_id)
    return AlertView.of(shown)


def moderate(
    actor: Actor,
    alert_id: int,
    *,
    approve: bool = False,
    reject: str | None = None,
    widen: Sequence[str] | None = None,
    edit_text: str | None = None,
    now: datetime | None = None,
) -> AlertView:
    """One moderator's decision: approve, reject with a reason, widen to sectors (or ``commune``), or edit."""
    from alerts import moderate as decide

    with _operated(actor, "changed"):
        shown = decide(
            engine(),
            alert_id,
            actor,
            approve=approve,
            reject=reject,
            widen_to=list(widen) if widen else None,
            edit_text=edit_text,
            config=_config(),
            now=now,
        )
    return AlertView.of(shown)


def hold(actor: Actor, alert_id: int, *, now: datetime | None = None) -> AlertView:
    """Take the alert in hand for the claim's time (``VOISINAGE_ALERT_CLAIM_MINUTES``): other moderators see who
    holds it and cannot decide meanwhile (``field="alert_id"`` outside the sectors the actor moderates)."""
    from alerts import claim_alert

    with _operated(actor, "changed"):
        shown = claim_alert(engine(), alert_id, actor, config=_config(), now=now)
    return AlertView.of(shown)


def release(actor: Actor, alert_id: int, *, now: datetime | None = None) -> AlertView:
    """Let go of an alert one holds, without deciding."""
    from alerts import release_alert

    with _operated(actor, "changed"):
        shown = release_alert(engine(), alert_id, actor, now=now)
    return AlertView.of(shown)


def withdraw(actor: Actor, alert_id: int, reason: str, *, now: datetime | None = None) -> AlertView:
    """Withdraw a published alert, with a reason its author is told: it leaves every feed, its history stays."""
    from alerts import withdraw_alert

    with _operated(actor, "changed"):
        shown = withdraw_alert(engine(), alert_id, actor, reason, now=now)
    return AlertView.of(shown)


def acknowledge(actor: Actor, alert_id: int, *, now: datetime | None = None) -> AlertView:
    """The mairie or the gendarmerie says it has taken the alert into account."""
    from alerts import acknowledge_alert

    with _operated(actor, "changed"):
        shown = acknowledge_alert(engine(), alert_id, actor, now=now)
    return AlertView.of(shown)


def close(actor: Actor, alert_id: int, feedback: str, *, now: datetime | None = None) -> AlertView:
    """Close an alert with a word of feedback (the mairie, the gendarmerie, or its author)."""
    from alerts import close_alert

    with _operated(actor, "changed"):
        shown = close_alert(engine(), alert_id, actor, feedback, now=now)
    return AlertView.of(shown)


def appeal(actor: Actor, alert_id: int, text: str, *, now: datetime | None = None) -> AlertView:
    """The author contests the refusal of their alert, once."""
    from alerts import appeal_alert

    with _operated(actor, "changed"):
        shown = appeal_alert(engine(), alert_id, actor, text, now=now)
    return AlertView.of(shown)


def anonymise_closed(actor: Actor, commune: str, *, months: int | None = None, now: datetime | None = None) -> int:
    """Anonymise the commune's alerts closed longer ago than the retention period (the platform's duty).

    ``months`` defaults to the ``VOISINAGE_ALERT_RETENTION_MONTHS`` setting. Returns how many were anonymised.
    """
    from alerts import anonymise_closed as anonymise
    from community import Action, authorize
    from services._config import settings

    with unit_of_work() as session:
        authorize(session, actor, Action.MANAGE_COMMUNES)
    return anonymise(engine(), commune, months=months or settings().alert_retention_months, now=now)
