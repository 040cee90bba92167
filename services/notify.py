"""Notifications: members' channel choices, the unread badge, dead letters, the dispatcher, SMS intake."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from services._core import Actor, ServiceError, engine, unit_of_work

if TYPE_CHECKING:
    from notify import DispatchReport, InAppMessage, SmsReply, Unread


@dataclass(frozen=True)
class Channels:
    """A member's notification choices after a change."""

    email: str
    email_on: bool
    sms_on: bool
    phone: str | None
    quiet: str
    digest: bool


@dataclass(frozen=True)
class DeadLetter:
    """A message that could not be delivered, and why."""

    id: int
    created_at: datetime
    channel: str
    kind: str
    recipient: str
    subject: str
    attempts: int
    reason: str


def _minutes(value: int | None) -> str:
    return "" if value is None else f"{value // 60:02d}:{value % 60:02d}"


def set_channels(
    actor: Actor,
    commune: str,
    email: str,
    *,
    phone: str | None = None,
    email_on: bool | None = None,
    sms_on: bool | None = None,
    quiet: str | None = None,
    digest: bool | None = None,
    now: datetime | None = None,
    url: str | None = None,
) -> Channels:
    """Change a member's channels (the member themself, or the mairie / the operator for them).

    In-app messages always go; e-mail is on by default; SMS stays off until the member has given a number
    and turned it on. ``quiet`` like ``"22:00-07:00"`` (security alerts still go through), ``""`` for none.

    Raises
    ------
    ServiceError
        ``field="phone"`` (bad number, or SMS turned on without one), ``field="quiet"``, ``field="email"``.
    """
    from community import Action, authorize, find_member, get_commune
    from notify import normalize_phone, parse_quiet
    from store import bind_commune
    from store.schema import NotifyPrefs

    now = now or datetime.now(UTC)
    with unit_of_work(url=url) as session:
        place = get_commune(session, commune)
        bind_commune(session, place.id)
        try:
            member = find_member(session, place, email)
        except ServiceError as exc:
            raise ServiceError(exc.message, field="email") from exc
        if actor.member_id != member.id:
            authorize(session, actor, Action.REGISTER_MEMBER, commune_id=place.id, sector_code=member.sector_code)
        prefs = session.get(NotifyPrefs, member.id)
        if prefs is None:
            prefs = NotifyPrefs(member_id=member.id, commune_id=place.id, email_on=True, sms_on=False, digest=True)
            session.add(prefs)
        if phone is not None:
            prefs.phone = normalize_phone(phone) if phone.strip() else None
        if email_on is not None:
            prefs.email_on = email_on
        if sms_on is not None:
            prefs.sms_on = sms_on
        if prefs.sms_on and not prefs.phone:
            raise ServiceError("Donnez d'abord un numéro de téléphone pour recevoir des SMS.", field="phone")
        if quiet is not None:
            window = parse_quiet(quiet)
            prefs.quiet_from, prefs.quiet_to = window if window else (None, None)
        if digest is not None:
            prefs.digest = digest
        prefs.updated_at = now
        session.flush()
        return _channels(member.email, prefs)


def _channels(email: str | None, prefs: Any) -> Channels:
    """The typed view of a member's choices (``prefs``: a ``NotifyPrefs`` row or :class:`notify.Prefs`)."""
    quiet = f"{_minutes(prefs.quiet_from)}-{_minutes(prefs.quiet_to)}" if prefs.quiet_from is not None else ""
    return Channels(email or "", prefs.email_on, prefs.sms_on, prefs.phone, quiet, prefs.digest)


def own_channels(actor: Actor) -> Channels:
    """The signed-in member's notification choices (the defaults when they never chose)."""
    from notify import load_prefs
    from store.schema import Member

    if actor.member_id is None or actor.commune_id is None:
        raise ServiceError("Seul un membre connecté a des choix de notification.", field="session")
    with unit_of_work(actor.commune_id, write=False) as session:
        member = session.get(Member, actor.member_id)
        if member is None:
            raise ServiceError("Ce compte n'existe pas ou a été supprimé.", field="session")
        return _channels(member.email, load_prefs(session, [member.id])[member.id])


def set_own_channels(
    actor: Actor,
    *,
    phone: str | None = None,
    email_on: bool | None = None,
    sms_on: bool | None = None,
    quiet: str | None = None,
    digest: bool | None = None,
    now: datetime | None = None,
) -> Channels:
    """The signed-in member changes their own choices (« Mon compte »); see :func:`set_channels`."""
    from store.schema import Commune, Member

    if actor.member_id is None or actor.commune_id is None:
        raise ServiceError("Seul un membre connecté a des choix de notification.", field="session")
    with unit_of_work(actor.commune_id, write=False) as session:
        member = session.get(Member, actor.member_id)
        commune = session.get(Commune, actor.commune_id)
        if member is None or commune is None or not member.email:
            raise ServiceError("Ce compte n'existe pas ou a été supprimé.", field="session")
        insee, email = commune.insee, member.email
    return set_channels(
        actor, insee, email, phone=phone, email_on=email_on, sms_on=sms_on, quiet=quiet, digest=digest, now=now
    )


def unsubscribe(token: str, *, now: datetime | None = None) -> bool:
    """Turn e-mail off for the member of a one-click unsubscribe link (RFC 8058); False for a false token.

    The link's token (signed with ``VOISINAGE_NOTIFY_SECRET``) is the only authority needed: mail providers
    post it without any session. In-app messages still come; SMS choices are untouched.
    """
    from sqlalchemy import select

    from community import record
    from notify._secrets import read_unsubscribe_token
    from services._config import notify_config
    from store.schema import Member, MemberStatus, NotifyPrefs

    found = read_unsubscribe_token(notify_config().secret, token)
    if found is None:
        return False
    commune_id, member_id = found
    now = now or datetime.now(UTC)
    with unit_of_work(commune_id) as session:
        member = session.scalar(
            select(Member).where(
                Member.id == member_id, Member.commune_id == commune_id, Member.status != MemberStatus.DELETED
            )
        )
        if member is None:
            return False
        prefs = session.get(NotifyPrefs, member.id)
        if prefs is None:
            prefs = NotifyPrefs(member_id=member.id, commune_id=commune_id, email_on=True, sms_on=False, digest=True)
            session.add(prefs)
        if prefs.email_on:
            prefs.email_on = False
            prefs.updated_at = now
            record(session, None, "changed", "member", member.id, commune_id=commune_id, field="email_on",
                   via="unsubscribe_link")  # fmt: skip
        return True


def unread_badge(actor: Actor, since_id: int = 0, limit: int = 20) -> Unread:
    """The signed-in member's unread in-app messages newer than ``since_id`` (the app's last marker); with
    ``limit=0``, the count and the newest id only (one index walk: what the app polls every second)."""
    from notify import unread

    if actor.member_id is None or actor.commune_id is None:
        raise ServiceError("Seul un membre connecté a des messages.", field="session")
    with unit_of_work(actor.commune_id, write=False) as session:  # polled every second: never the write lock
        return unread(session, actor.member_id, since_id, limit)


def inbox(actor: Actor, kinds: Sequence[str] | None = None, limit: int = 20) -> tuple[InAppMessage, ...]:
    """The signed-in member's newest in-app messages, read or not (only ``kinds`` if given, e.g. ``help_offer``)."""
    from notify import messages

    if actor.member_id is None or actor.commune_id is None:
        raise ServiceError("Seul un membre connecté a des messages.", field="session")
    with unit_of_work(actor.commune_id, write=False) as session:
        return messages(session, actor.member_id, 0, limit, kinds)


def mark_read(actor: Actor, up_to_id: int, *, now: datetime | None = None) -> int:
    """Mark the signed-in member's in-app messages up to ``up_to_id`` read."""
    from notify import mark_read as mark

    if actor.member_id is None or actor.commune_id is None:
        raise ServiceError("Seul un membre connecté a des messages.", field="session")
    with unit_of_work(actor.commune_id) as session:
        return mark(session, actor.member_id, up_to_id, now or datetime.now(UTC))


def dead_letters(actor: Actor, commune: str, limit: int = 100, *, url: str | None = None) -> list[DeadLetter]:
    """The commune's messages that could not be delivered, newest first, with the reason (mairie, operator)."""
    from sqlalchemy import select

    from community import Action, authorize, get_commune
    from store import bind_commune
    from store.schema import OutboxMessage as O

    with unit_of_work(url=url) as session:
        place = get_commune(session, commune)
        authorize(session, actor, Action.VIEW_AUDIT_LOG, commune_id=place.id)
        bind_commune(session, place.id)
        rows = session.scalars(
            select(O).where(O.commune_id == place.id, O.status == "dead").order_by(O.id.desc()).limit(limit)
        ).all()
        return [
            DeadLetter(r.id, r.created_at, r.channel, r.kind, r.recipient, r.subject, r.attempts, r.last_error)
            for r in rows
        ]


def dispatch(*, once: bool, stop: threading.Event | None = None, url: str | None = None) -> DispatchReport | None:
    """Run the dispatcher: one pass (``once``), or until ``stop`` is set.

    Raises
    ------
    ServiceError
        On PostGIS, when the database role would bypass row-level security.
    """
    import store
    from notify import Dispatcher
    from services._config import notify_config

    made = engine(url)
    # On PostGIS the dispatcher must run under a role that cannot bypass row-level security.
    check_app_role = getattr(store, "check_app_role", None)
    if check_app_role is not None and store.is_postgis(made):
        check_app_role(made)
    dispatcher = Dispatcher(made, notify_config())
    if once:
        return dispatcher.run_once()
    dispatcher.run(stop)
    return None


def receive_sms(raw: bytes, signature: str | None, *, now: datetime | None = None) -> SmsReply:
    """Handle one ``POST /sms/inbound`` request: the raw body and its ``X-Voisinage-Signature`` header."""
    from notify import receive_sms as receive
    from services._config import alert_config, notify_config

    config = notify_config()
    made = engine()

    def post(
        email: str, category: str, text: str, lon: float | None, lat: float | None, address: str | None
    ) -> tuple[int, str]:
        from dataclasses import replace

        from alerts import post_alert

        alerts = replace(alert_config(), premoderation=config.sms_premoderation or alert_config().premoderation)
        from services.alerts import require_charter
        from services.auth import member_actor

        author = member_actor(email)
        require_charter(author)  # as for any post: the commune's current charter accepted
        result = post_alert(
            made,
            author,
            category=category,
            text=text,
            lon=lon,
            lat=lat,
            address=address,
            config=alerts,
            now=now,
        )
        return result.alert_id, result.message

    return receive(made, raw, signature, config, post, now)
