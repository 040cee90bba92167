"""Entraide: the solidarity stream of a member's perimeter, solidarity posts, and « je peux aider ».

The stream is the alerts feed restricted to the solidarity family (the same visibility rule, the same displayed
locations); a post goes through :func:`services.alerts.post` (the same checks, the same moderation); an offer of
help reaches the post's author only (:mod:`notify._help`), signed with the helper's first name only if they
choose so.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from services._community import first_name
from services._core import Actor, ServiceError, engine, unit_of_work
from services.alerts import AlertView, CategoryChoice, Posted

__all__ = ["HelpOffered", "Stream", "categories", "offer_help", "post", "stream"]


@dataclass(frozen=True)
class Stream:
    """The newest solidarity posts the actor may read; ``offered``: the ids they already offered help on."""

    posts: tuple[AlertView, ...]
    offered: frozenset[int]
    why_empty: str | None


@dataclass(frozen=True)
class HelpOffered:
    """An offer of help sent to the author (``created`` False: this member had already offered on this post)."""

    alert_id: int
    created: bool
    signed_as: str | None
    message: str


def _member_only(actor: Actor) -> int:
    if actor.member_id is None or actor.commune_id is None:
        raise ServiceError("L'entraide est réservée aux membres d'une commune.", field="actor")
    return actor.member_id


def categories(actor: Actor) -> list[CategoryChoice]:
    """The commune's solidarity categories the actor may post in (:func:`services.alerts.categories`)."""
    from alerts import Family
    from services import alerts

    _member_only(actor)
    return [c for c in alerts.categories(actor) if c.family == Family.SOLIDARITY]


def stream(actor: Actor, *, limit: int = 50, now: datetime | None = None) -> Stream:
    """The newest solidarity posts of the actor's perimeter (newest first), and those they offered help on."""
    from alerts import Family, feed_page
    from notify._help import already_offered
    from services._config import alert_config
    from store.schema import Alert

    helper = _member_only(actor)
    items, why = feed_page(engine(), actor, limit=limit, config=alert_config(), now=now, family=Family.SOLIDARITY)
    posts = tuple(AlertView.of(i) for i in items)
    others = [p.id for p in posts if not p.mine]
    offered: set[int] = set()
    if others:
        with unit_of_work(actor.commune_id, write=False) as session:
            authors = dict(session.query(Alert.id, Alert.author_id).filter(Alert.id.in_(others)).all())
            offered = {i for i in others if (by := authors.get(i)) and already_offered(session, i, by, helper)}
    return Stream(posts, frozenset(offered), why if not posts else None)


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
    """A solidarity request or offer, through the alerts' posting service (same checks, same moderation).

    With no point and no address, the post is placed at the member's home (shown, as every post of a resident,
    at its displayed location only, never the exact point).

    Raises
    ------
    ServiceError
        ``field="category"`` when ``category`` is not one of the commune's solidarity categories; otherwise
        whatever :func:`services.alerts.post` raises.
    """
    from services import alerts

    if category not in {c.code for c in categories(actor)}:
        raise ServiceError(
            "Choisissez une catégorie d'entraide (demande d'aide, animal ou objet perdu…).", field="category"
        )
    if lon is None and lat is None and not (address or "").strip():
        lon, lat = _home(actor)
    return alerts.post(
        actor,
        category=category,
        text=text,
        lon=lon,
        lat=lat,
        address=address,
        key=key,
        confirm_new=confirm_new,
        now=now,
    )


def _home(actor: Actor) -> tuple[float, float]:
    from store.schema import Member

    with unit_of_work(actor.commune_id, write=False) as session:
        member = session.get(Member, actor.member_id)
        if member is None or member.lon is None or member.lat is None:
            raise ServiceError("Indiquez une adresse : celle de votre domicile n'est pas connue.", field="address")
        return float(member.lon), float(member.lat)


def offer_help(
    actor: Actor, alert_id: int, message: str, *, sign: bool = False, now: datetime | None = None
) -> HelpOffered:
    """« Je peux aider »: a message to the author of a solidarity post the actor may read, and to nobody else.

    ``sign``: the author learns the helper's first name; otherwise nothing of who wrote (the helper may put a
    way to reach them in ``message``). One offer per member and post: offering again sends nothing.

    Raises
    ------
    ServiceError
        ``field="alert_id"`` (not readable, not a published solidarity post, or the actor's own),
        ``field="message"`` (empty, too long, control characters), ``field="actor"`` (no member, or a member
        whose role may not post: the matrix's ``POST_ALERT``).
    """
    from alerts import Family, commune_categories, load_viewer, visible_alerts
    from community import Action
    from community._permissions import Scope
    from notify._help import MESSAGE_MAX, already_offered, enqueue_help_offer
    from services._config import notify_config
    from store import check_text
    from store.schema import Alert, Member

    helper_id = _member_only(actor)
    text = check_text((message or "").strip(), field="message", limit=MESSAGE_MAX, multiline=True)
    if not text:
        raise ServiceError(
            "Écrivez quelques mots à l'auteur : ce que vous proposez, comment vous joindre.", field="message"
        )
    now = now or datetime.now(UTC)
    missing = ServiceError(f"Publication d'entraide n°{alert_id} introuvable.", field="alert_id")
    with unit_of_work(actor.commune_id) as session:
        viewer = load_viewer(session, actor, now, bind=True)
        if viewer.right(Action.POST_ALERT) == Scope.NONE:
            raise ServiceError("Votre compte ne permet pas de proposer votre aide.", field="actor")
        alert = session.scalar(visible_alerts(viewer).where(Alert.id == alert_id))
        cats = {c.code: c for c in commune_categories(session, viewer.commune_id)}
        category = cats.get(alert.category) if alert is not None else None
        if alert is None or category is None or category.family != Family.SOLIDARITY or alert.status != "published":
            raise missing
        if alert.author_id is None or alert.author_id == helper_id:
            raise ServiceError(
                "C'est votre propre publication : vous ne pouvez pas vous proposer d'aide.", field="alert_id"
            )
        author = session.get(Member, alert.author_id)
        if author is None:
            raise missing
        signed = first_name(session.get(Member, helper_id).name) if sign else None  # type: ignore[union-attr]
        signature = signed[:40] if signed else None
        if already_offered(session, alert.id, author.id, helper_id):
            return HelpOffered(alert.id, False, signature, text)
        new = enqueue_help_offer(
            session,
            commune_id=alert.commune_id,
            alert_id=alert.id,
            author_id=author.id,
            author_email=author.email,
            helper_id=helper_id,
            category_label=category.label,
            post=alert.text,
            message=text,
            signature=signature,
            config=notify_config(),
            now=now,
        )
        return HelpOffered(alert.id, new > 0, signature, text)
