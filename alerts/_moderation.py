"""The moderation state machine of an alert (pure: no database, the caller stores the result).

::

    submitted ──> published ──> acknowledged ──> closed
        │             └──────────────────────────> closed
        └──> pending ──> published ──(withdraw, with a reason)──> withdrawn
                 └────> rejected ──(appeal)──> appealed ──> published | rejected (final)

- ``submitted`` is routed at once: published directly when the author is verified, the commune does not
  pre-moderate and the checks found nothing; otherwise pending.
- A moderator *claims* an alert before deciding; another moderator sees who holds it until the claim
  expires. Deciding releases the claim.
- Every move is an :class:`Event` (who, when, from, to, detail) kept in ``history``.
- A moderator's edit keeps the author's original text (``original_text``), as FixMyStreet does.
- A moderator may withdraw a published alert, with a reason kept for its author: it leaves every feed and
  keeps its history (hidden, never deleted).
- Who may make a move is decided by the permission matrix of ``community`` (:func:`community.scope_of` of the
  participant's role): this module checks the role may do it at all; the store checks the sector scope.

Every function returns a new :class:`ModerationState`; a move that is not allowed raises
:class:`TransitionError` (a :class:`gis.InputError`) with a French message.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from community._permissions import Action, scope_of
from gis import InputError
from store.schema import Role


class Status(enum.StrEnum):
    """Where an alert stands."""

    SUBMITTED = "submitted"
    PENDING = "pending"
    PUBLISHED = "published"
    REJECTED = "rejected"
    APPEALED = "appealed"
    ACKNOWLEDGED = "acknowledged"
    CLOSED = "closed"
    WITHDRAWN = "withdrawn"

    @property
    def label(self) -> str:
        """French label."""
        return _LABELS[self]


_LABELS = {
    Status.SUBMITTED: "soumise",
    Status.PENDING: "en attente de modération",
    Status.PUBLISHED: "publiée",
    Status.REJECTED: "refusée",
    Status.APPEALED: "en appel",
    Status.ACKNOWLEDGED: "prise en compte",
    Status.CLOSED: "close",
    Status.WITHDRAWN: "retirée",
}

# Statuses in which residents may see the alert.
VISIBLE_STATUSES = frozenset({Status.PUBLISHED, Status.ACKNOWLEDGED, Status.CLOSED})


class Move(enum.StrEnum):
    """What happened to an alert."""

    SUBMIT = "submit"
    PUBLISH = "publish"
    HOLD = "hold"
    CLAIM = "claim"
    RELEASE = "release"
    APPROVE = "approve"
    REJECT = "reject"
    APPEAL = "appeal"
    EDIT = "edit"
    WIDEN = "widen"
    ACKNOWLEDGE = "acknowledge"
    CLOSE = "close"
    WITHDRAW = "withdraw"


@dataclass(frozen=True)
class Participant:
    """A member as the state machine records them: id, role (a :class:`store.schema.Role` value), shown name.

    The identity of whoever acts is :class:`community.Actor`; this is what an alert's history keeps of them.
    """

    id: int
    role: str
    name: str = ""


@dataclass(frozen=True)
class Event:
    """One move in the history of an alert."""

    move: Move
    actor_id: int | None
    at: datetime
    from_status: Status | None
    to_status: Status
    detail: str = ""


@dataclass(frozen=True)
class Claim:
    """A moderator holds the alert until ``until``."""

    actor_id: int
    actor_name: str
    since: datetime
    until: datetime


@dataclass(frozen=True)
class ModerationState:
    """Everything moderation knows of one alert."""

    status: Status
    author_id: int
    text: str
    original_text: str | None = None
    claim: Claim | None = None
    reject_reason: str = ""
    appeal_text: str = ""
    feedback: str = ""
    history: tuple[Event, ...] = ()

    def held_by(self, now: datetime) -> Claim | None:
        """The claim in force at ``now`` (an expired claim holds nothing)."""
        return self.claim if self.claim is not None and self.claim.until > now else None


class TransitionError(InputError):
    """A move not allowed from the alert's status, or by this actor."""


def _event(
    state: ModerationState, move: Move, actor: Participant | None, now: datetime, to: Status, detail: str = ""
) -> Event:
    return Event(move, actor.id if actor else None, now, state.status, to, detail)


def _require(state: ModerationState, allowed: set[Status], what: str) -> None:
    if state.status not in allowed:
        raise TransitionError(f"Impossible de {what} : l'alerte est « {state.status.label} ».")


def may(participant: Participant, action: Action) -> bool:
    """Whether the participant's role may ever do ``action`` (the permission matrix's cell is not empty)."""
    try:
        role = Role(participant.role)
    except ValueError:
        return False
    return scope_of(role, action).value != "none"


def _require_right(actor: Participant, action: Action, what: str) -> None:
    if not may(actor, action):
        raise TransitionError(f"Votre rôle ne permet pas de {what}.", field="actor")


def submit(
    author: Participant,
    text: str,
    now: datetime,
    *,
    author_verified: bool,
    premoderation: bool,
    needs_moderation: bool,
    reason: str = "",
) -> ModerationState:
    """A new alert, routed at once: published, or pending for a moderator.

    Parameters
    ----------
    author_verified:
        The author's address was verified (unverified members always go through moderation).
    premoderation:
        The commune reads every alert before publication.
    needs_moderation:
        The checks sent the text to moderation (:attr:`alerts.Outcome.MODERATION`).
    reason:
        Why the checks asked for moderation (kept in the history).
    """
    state = ModerationState(status=Status.SUBMITTED, author_id=author.id, text=text)
    state = replace(state, history=(Event(Move.SUBMIT, author.id, now, None, Status.SUBMITTED),))
    why = []
    if not author_verified:
        why.append("membre non vérifié")
    if premoderation:
        why.append("pré-modération de la commune")
    if needs_moderation:
        why.append(f"contrôles : {reason}" if reason else "contrôles")
    if why:
        return replace(
            state,
            status=Status.PENDING,
            history=(*state.history, _event(state, Move.HOLD, None, now, Status.PENDING, "; ".join(why))),
        )
    return replace(
        state,
        status=Status.PUBLISHED,
        history=(*state.history, _event(state, Move.PUBLISH, None, now, Status.PUBLISHED, "membre vérifié")),
    )


def claim(state: ModerationState, moderator: Participant, now: datetime, ttl: timedelta) -> ModerationState:
    """``moderator`` takes the alert for ``ttl``; refused while another moderator holds it."""
    _require_right(moderator, Action.MODERATE_ALERTS, "modérer une alerte")
    _require(state, {Status.PENDING, Status.APPEALED, Status.PUBLISHED, Status.ACKNOWLEDGED}, "prendre l'alerte")
    held = state.held_by(now)
    if held is not None and held.actor_id != moderator.id:
        raise TransitionError(
            f"Cette alerte est en cours de traitement par {held.actor_name or 'un autre modérateur'} "
            f"depuis {held.since:%H:%M} (jusqu'à {held.until:%H:%M} au plus tard)."
        )
    since = held.since if held is not None else now
    return replace(
        state,
        claim=Claim(moderator.id, moderator.name, since, now + ttl),
        history=(*state.history, _event(state, Move.CLAIM, moderator, now, state.status)),
    )


def release(state: ModerationState, moderator: Participant, now: datetime) -> ModerationState:
    """``moderator`` lets go of the alert without deciding."""
    held = state.held_by(now)
    if held is None or held.actor_id != moderator.id:
        return state
    return replace(
        state, claim=None, history=(*state.history, _event(state, Move.RELEASE, moderator, now, state.status))
    )


def _decide(
    state: ModerationState,
    moderator: Participant,
    now: datetime,
    ttl: timedelta,
    move: Move,
    to: Status,
    detail: str = "",
    **changes: object,
) -> ModerationState:
    held = claim(state, moderator, now, ttl)  # raises when another moderator holds it
    return replace(
        held,
        status=to,
        claim=None,
        history=(*held.history, _event(held, move, moderator, now, to, detail)),
        **changes,  # type: ignore[arg-type]
    )


def approve(state: ModerationState, moderator: Participant, now: datetime, ttl: timedelta) -> ModerationState:
    """Publish a pending (or appealed) alert."""
    _require(state, {Status.PENDING, Status.APPEALED}, "publier l'alerte")
    return _decide(state, moderator, now, ttl, Move.APPROVE, Status.PUBLISHED)


def reject(
    state: ModerationState, moderator: Participant, reason: str, now: datetime, ttl: timedelta
) -> ModerationState:
    """Refuse a pending (or appealed) alert, with a reason given to the author."""
    _require(state, {Status.PENDING, Status.APPEALED}, "refuser l'alerte")
    if not reason.strip():
        raise TransitionError("Indiquez le motif du refus : il est transmis à l'auteur.", field="reject")
    return _decide(state, moderator, now, ttl, Move.REJECT, Status.REJECTED, reason, reject_reason=reason.strip())


def appeal(state: ModerationState, author: Participant, text: str, now: datetime) -> ModerationState:
    """The author contests a refusal, once."""
    _require(state, {Status.REJECTED}, "faire appel")
    if author.id != state.author_id:
        raise TransitionError("Seul l'auteur de l'alerte peut faire appel du refus.", field="actor")
    if any(e.move == Move.APPEAL for e in state.history):
        raise TransitionError("Un seul appel est possible : le refus de l'appel est définitif.")
    if not text.strip():
        raise TransitionError("Expliquez en quelques mots pourquoi l'alerte devrait être publiée.", field="text")
    return replace(
        state,
        status=Status.APPEALED,
        appeal_text=text.strip(),
        history=(*state.history, _event(state, Move.APPEAL, author, now, Status.APPEALED, text.strip())),
    )


def edit(
    state: ModerationState, moderator: Participant, new_text: str, now: datetime, ttl: timedelta
) -> ModerationState:
    """A moderator rewrites the text; the author's original is kept (only the first edit sets it)."""
    _require(state, {Status.PENDING, Status.APPEALED, Status.PUBLISHED, Status.ACKNOWLEDGED}, "modifier l'alerte")
    if not new_text.strip():
        raise TransitionError("Le texte modifié ne peut pas être vide.", field="edit_text")
    held = claim(state, moderator, now, ttl)
    return replace(
        held,
        text=new_text.strip(),
        original_text=state.original_text if state.original_text is not None else state.text,
        history=(*held.history, _event(held, Move.EDIT, moderator, now, state.status)),
    )


def record_widening(state: ModerationState, moderator: Participant, detail: str, now: datetime) -> ModerationState:
    """Note in the history that ``moderator`` widened the diffusion perimeter (the perimeter lives elsewhere)."""
    _require_right(moderator, Action.MODERATE_ALERTS, "élargir la diffusion")
    _require(state, {Status.PENDING, Status.APPEALED, Status.PUBLISHED, Status.ACKNOWLEDGED}, "élargir la diffusion")
    return replace(state, history=(*state.history, _event(state, Move.WIDEN, moderator, now, state.status, detail)))


def acknowledge(state: ModerationState, actor: Participant, now: datetime) -> ModerationState:
    """The mairie or the gendarmerie says it has taken the alert into account."""
    _require_right(actor, Action.HANDLE_ALERTS, "prendre en compte une alerte (mairie ou gendarmerie)")
    _require(state, {Status.PUBLISHED}, "prendre l'alerte en compte")
    return replace(
        state,
        status=Status.ACKNOWLEDGED,
        history=(*state.history, _event(state, Move.ACKNOWLEDGE, actor, now, Status.ACKNOWLEDGED, actor.role)),
    )


def close(state: ModerationState, actor: Participant, feedback: str, now: datetime) -> ModerationState:
    """Close the alert with a word of feedback (mairie, gendarmerie, or the author of their own alert)."""
    if actor.id != state.author_id:
        _require_right(actor, Action.HANDLE_ALERTS, "clore une alerte (mairie, gendarmerie ou auteur)")
    _require(state, {Status.PUBLISHED, Status.ACKNOWLEDGED}, "clore l'alerte")
    if not feedback.strip():
        raise TransitionError(
            "Donnez un retour en clôturant l'alerte (par exemple : « animal retrouvé »).", field="feedback"
        )
    return replace(
        state,
        status=Status.CLOSED,
        claim=None,
        feedback=feedback.strip(),
        history=(*state.history, _event(state, Move.CLOSE, actor, now, Status.CLOSED, feedback.strip())),
    )


def withdraw(state: ModerationState, moderator: Participant, reason: str, now: datetime) -> ModerationState:
    """Take a published alert down, with a reason its author is told; it leaves every feed, its history stays."""
    _require_right(moderator, Action.MODERATE_ALERTS, "retirer une alerte")
    _require(state, {Status.PUBLISHED, Status.ACKNOWLEDGED}, "retirer l'alerte")
    if not reason.strip():
        raise TransitionError(
            "Indiquez pourquoi l'alerte est retirée : le motif est transmis à son auteur.", field="reason"
        )
    return replace(
        state,
        status=Status.WITHDRAWN,
        claim=None,
        reject_reason=reason.strip(),
        history=(*state.history, _event(state, Move.WITHDRAW, moderator, now, Status.WITHDRAWN, reason.strip())),
    )
