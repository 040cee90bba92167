"""The staff desks' reads: the moderation queue, the authorities' inbox, the broadcasts and who they reach.

Every read starts from :func:`alerts._access.visible_alerts` and asks the permission matrix again (through
:class:`alerts.Viewer`): a referent's queue holds the sectors they refer and nothing else, whatever filter
is asked for; the inbox needs ``HANDLE_ALERTS`` (the gendarmerie's is closed with its access); the reach of a
broadcast needs ``BROADCAST``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from alerts._access import WIDE, Viewer, _in_sectors, load_viewer, visible_alerts
from alerts._categories import Family
from alerts._context import AlertConfig, commune_context, now_or_utc
from alerts._moderating import OFFICIAL_CODES
from alerts._moderation import Status
from alerts._perimeter import Perimeter, Scope, whole_commune, widen
from alerts._reading import present, sectors_of
from community._permissions import Action
from community._permissions import Scope as RightScope
from gis import InputError
from store import transaction
from store.schema import Alert, as_utc

# The queue's statuses, in the order a moderator deals with them.
QUEUE_STATUSES = (
    Status.PENDING,
    Status.APPEALED,
    Status.PUBLISHED,
    Status.ACKNOWLEDGED,
    Status.CLOSED,
    Status.REJECTED,
)
# The inbox's order: not yet taken into account first.
INBOX_ORDER = {Status.PUBLISHED.value: 0, Status.ACKNOWLEDGED.value: 1, Status.CLOSED.value: 2}


def _desk_item(alert: Alert, viewer: Viewer, sectors: list[tuple[str, bool]], labels: dict[str, str]) -> dict:
    """:func:`alerts._reading.present` plus what a desk needs to decide: the refusal, the appeal, the author's
    original text, the feedback, and whether the viewer holds the alert."""
    out: dict[str, Any] = present(alert, viewer, sectors, labels)
    out["reject_reason"] = alert.reject_reason
    out["appeal_text"] = alert.appeal_text
    out["original_text"] = alert.original_text
    out["feedback"] = alert.feedback
    if "held_by" in out:
        out["held_by"]["mine"] = "1" if alert.claim_by_id == viewer.member_id else ""
    return out


def _labels(session: Session, viewer: Viewer, config: AlertConfig) -> dict[str, str]:
    return commune_context(session, viewer.commune_id, config).labels


def moderation_queue(
    engine: Engine,
    actor: Any,
    *,
    sectors: Sequence[str] = (),
    statuses: Sequence[str] = (),
    category: str | None = None,
    limit: int = 200,
    config: AlertConfig | None = None,
    now: datetime | None = None,
) -> list[dict]:
    """The alerts ``actor`` moderates, filtered, in the order of :data:`QUEUE_STATUSES` then newest first.

    A referent's queue is the sectors they refer (their home sector's published alerts are not theirs to
    moderate); the mairie's is the whole commune. ``sectors`` and ``statuses`` narrow it (empty: no filter).

    Raises
    ------
    gis.InputError
        ``field="actor"`` when the actor moderates nothing; ``"status"`` for an unknown status.
    """
    config = config or AlertConfig()
    unknown = [s for s in statuses if s not in {q.value for q in QUEUE_STATUSES}]
    if unknown:
        raise InputError(f"Statut inconnu : « {unknown[0]} ».", field="status")
    with transaction(engine, write=False) as session:
        viewer = load_viewer(session, actor, now_or_utc(now), bind=True)
        scope = viewer.right(Action.MODERATE_ALERTS)
        if scope == RightScope.NONE:
            raise InputError("Votre rôle ne permet pas de modérer les alertes.", field="actor")
        query = visible_alerts(viewer).where(Alert.status.in_(statuses or [q.value for q in QUEUE_STATUSES]))
        if scope == RightScope.REFERENT_SECTORS:  # their sectors, and no official message (not theirs to moderate)
            query = query.where(
                _in_sectors(viewer, set(viewer.referent_codes)), Alert.category.not_in(sorted(OFFICIAL_CODES))
            )
        if sectors:
            query = query.where(_in_sectors(viewer, set(sectors)))
        if category:
            query = query.where(Alert.category == category)
        rows = session.scalars(query.order_by(Alert.id.desc()).limit(max(1, min(limit, 500)))).all()
        order = {q.value: i for i, q in enumerate(QUEUE_STATUSES)}
        rows = sorted(rows, key=lambda a: (order.get(a.status, 99), -a.id))
        placed = sectors_of(session, [a.id for a in rows])
        labels = _labels(session, viewer, config)
        return [_desk_item(a, viewer, placed[a.id], labels) for a in rows]


def inbox(
    engine: Engine, actor: Any, *, limit: int = 200, config: AlertConfig | None = None, now: datetime | None = None
) -> list[dict]:
    """The commune's security alerts for the authorities (``HANDLE_ALERTS``): not yet taken into account first,
    then taken into account, then closed; newest first within each.

    Raises
    ------
    gis.InputError
        ``field="actor"`` when the actor may not handle alerts now (the gendarmerie once its access is closed).
    """
    config = config or AlertConfig()
    with transaction(engine, write=False) as session:
        viewer = load_viewer(session, actor, now_or_utc(now), bind=True)
        if viewer.right(Action.HANDLE_ALERTS) == RightScope.NONE:
            raise InputError(
                "Les alertes de la commune ne vous sont pas ouvertes (l'accès de la gendarmerie est fermé).",
                field="actor",
            )
        context = commune_context(session, viewer.commune_id, config)
        security = [c.code for c in context.categories if c.family == Family.SECURITY]
        query = visible_alerts(viewer).where(Alert.status.in_(list(INBOX_ORDER)), Alert.category.in_(security))
        rows = session.scalars(query.order_by(Alert.id.desc()).limit(max(1, min(limit, 500)))).all()
        rows = sorted(rows, key=lambda a: (INBOX_ORDER[a.status], -a.id))
        placed = sectors_of(session, [a.id for a in rows])
        return [_desk_item(a, viewer, placed[a.id], context.labels) for a in rows]


def _broadcaster(session: Session, actor: Any, now: datetime | None) -> Viewer:
    viewer = load_viewer(session, actor, now_or_utc(now), bind=True)
    if viewer.right(Action.BROADCAST) == RightScope.NONE:
        raise InputError("Votre rôle ne permet pas de diffuser un message officiel.", field="actor")
    return viewer


def broadcast_reach(
    engine: Engine,
    actor: Any,
    sectors: Sequence[str] = (),
    *,
    config: AlertConfig | None = None,
    now: datetime | None = None,
) -> tuple[str, int, list[tuple[str, str, int]]]:
    """Who a broadcast to ``sectors`` (empty: the whole commune) would reach, as counts only.

    Returns the label the message would carry (« Toute la commune », « Secteurs : … »), how many members it
    reaches (the verified members living there who may receive now: ``community.recipients``, the rule the
    notifications apply) and, for who may list the commune's members (``LIST_MEMBERS``), the same per sector
    reached, ``(code, name, members)``; an empty list for the others (the gendarmerie).

    Raises
    ------
    gis.InputError
        ``field="actor"`` without the right to broadcast; ``"sectors"`` for an unknown sector (the list on offer).
    """
    from community import recipients

    config = config or AlertConfig()
    with transaction(engine, write=False) as session:
        viewer = _broadcaster(session, actor, now)
        context = commune_context(session, viewer.commune_id, config)
        index = context.index
        if index is None:
            raise InputError("La commune n'a pas encore de découpage en secteurs actif.", field="commune")
        names = [n.strip() for n in sectors if n.strip()]
        perimeter: Perimeter = whole_commune(index)
        if names:
            try:
                perimeter = widen(index, Perimeter((), (), index.union(index.sectors), Scope.AUTO), names)
            except InputError as exc:
                raise InputError(exc.message, exc.problems, field="sectors") from exc
        chosen = [index.sectors[i] for i in perimeter.sector_ids]
        whole = perimeter.scope == Scope.COMMUNE or len(chosen) == len(index.sectors)
        counts: dict[str, int] = dict.fromkeys((s.code for s in chosen), 0)
        for member in recipients(session, viewer.commune_id, set(counts), now=now_or_utc(now)):
            counts[member.sector_code or ""] = counts.get(member.sector_code or "", 0) + 1
        label = "Toute la commune" if whole else "Secteurs : " + ", ".join(s.name for s in chosen)
        total = sum(counts.values())
        if viewer.right(Action.LIST_MEMBERS) not in WIDE:
            return label, total, []  # the members of each sector are the mairie's to count (the gendarmerie: a total)
        return label, total, [(s.code, s.name, counts[s.code]) for s in chosen]


def broadcasts(
    engine: Engine, actor: Any, *, limit: int = 50, config: AlertConfig | None = None, now: datetime | None = None
) -> list[dict]:
    """The commune's official messages (the mairie's and the gendarmerie's), newest first, for a broadcaster."""
    config = config or AlertConfig()
    with transaction(engine, write=False) as session:
        viewer = _broadcaster(session, actor, now)
        context = commune_context(session, viewer.commune_id, config)
        official = [c.code for c in context.categories if c.family == Family.OFFICIAL]
        query = visible_alerts(viewer).where(Alert.category.in_(official))
        rows = session.scalars(query.order_by(Alert.id.desc()).limit(max(1, min(limit, 200)))).all()
        placed = sectors_of(session, [a.id for a in rows])
        out = []
        for a in rows:
            item = present(a, viewer, placed[a.id], context.labels)
            item["reach_label"] = a.display_label
            item["published_at"] = (as_utc(a.published_at) or as_utc(a.created_at)).isoformat()
            out.append(item)
        return out
