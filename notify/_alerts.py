"""Who hears of an alert event, and what they are told (called in the transaction of the event).

The audiences reuse the other domains' rules: the members who may receive (``community.recipients``), the
alert's diffusion sectors (``alert_sectors``), and who may see the exact point
(:meth:`alerts.Viewer.sees_exact_location`); nothing here decides visibility again.
"""

from __future__ import annotations

from datetime import UTC, datetime

import shapely
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from alerts import BROADCAST_KIND, Family, Viewer, commune_categories
from community import gendarmerie_access_open, recipients
from notify._config import NotifyConfig
from notify._outbox import Draft, Recipient, enqueue, load_prefs
from notify._render import AlertFacts, alert_text, sms_text
from store.schema import (
    Alert,
    AlertEvent,
    AlertSector,
    Commune,
    Member,
    MemberStatus,
    ReferentAssignment,
    Role,
    as_utc,
)
from store.schema import OutboxMessage as OutboxRow

MAIRIE = (Role.MAIRIE_AGENT, Role.MAIRIE_ADMIN)


def _viewer(member: Member, commune: Commune, gendarmerie_open: bool) -> Viewer:
    role = str(member.role)
    # Only referents have referent sectors (reading the assignments of everyone would cost a query each).
    referent = (
        frozenset(a.sector_code for a in member.referent_assignments if a.ended_at is None)
        if role == "referent"
        else frozenset()
    )
    return Viewer(
        member_id=member.id,
        commune_id=commune.id,
        insee=commune.insee,
        crs_epsg=commune.crs_epsg,
        role=role,
        name=member.name,
        verified=member.status == MemberStatus.VERIFIED,
        active=True,  # recipients() already left out the suspended and excluded
        sector_code=member.sector_code,
        referent_codes=referent,
        gendarmerie_open=gendarmerie_open,
    )


def _exact(alert: Alert) -> str:
    """The exact place, for those allowed to see it: the address given, else the point's coordinates.

    A broadcast is placed by the area it reaches (its displayed label): only a real address is added.
    """
    if alert.display_kind == BROADCAST_KIND:
        return alert.address_text
    point = alert.location
    where = ""
    if point is not None and not shapely.is_empty(point):
        where = f"{shapely.get_y(point):.5f}, {shapely.get_x(point):.5f}"
    return f"{alert.address_text} ({where})" if alert.address_text and where else alert.address_text or where


def _preload(session: Session, commune_id: int) -> list[Member]:
    """Load the commune's verified members with their sanctions in two queries, so that the recipients rule
    (which reads each member's sanctions) finds them in the session instead of querying once per member.

    The caller keeps the list while it works: the session holds its objects weakly, and members nobody
    references would be dropped and loaded again (with one sanctions query each)."""
    return list(
        session.scalars(
            select(Member)
            .options(selectinload(Member.sanctions))
            .where(Member.commune_id == commune_id, Member.status == MemberStatus.VERIFIED)
        )
    )


def _recipient(member: Member, prefs: dict) -> Recipient:
    return Recipient(member.id, member.email, prefs[member.id])


def _last_event(session: Session, alert_id: int, move: str) -> tuple[int, int | None]:
    """The id and the actor of the alert's latest ``move`` event ((0, None) when there is none)."""
    found = session.execute(
        select(AlertEvent.id, AlertEvent.actor_id)
        .where(AlertEvent.alert_id == alert_id, AlertEvent.move == move)
        .order_by(AlertEvent.id.desc())
        .limit(1)
    ).first()
    return (int(found.id), found.actor_id) if found is not None else (0, None)


def _event_id(session: Session, alert_id: int, move: str) -> int:
    return _last_event(session, alert_id, move)[0]


def _referents(session: Session, alert: Alert, codes: set[str]) -> set[int]:
    return set(
        session.scalars(
            select(ReferentAssignment.member_id).where(
                ReferentAssignment.commune_id == alert.commune_id,
                ReferentAssignment.sector_code.in_(sorted(codes)),
                ReferentAssignment.ended_at.is_(None),
            )
        )
    )


def _staff(session: Session, alert: Alert, now: datetime) -> list[Member]:
    """The mairie and the referents of the alert's home sectors: who moderates it."""
    homes = set(
        session.scalars(
            select(AlertSector.sector_code).where(AlertSector.alert_id == alert.id, AlertSector.home.is_(True))
        )
    )
    referents = _referents(session, alert, homes)
    everyone = recipients(session, alert.commune_id, None, now=now)
    return [m for m in everyone if m.role in MAIRIE or (m.role == Role.REFERENT and m.id in referents)]


def enqueue_for_alert(
    session: Session, alert_id: int, move: str, config: NotifyConfig, now: datetime | None = None
) -> int:
    """Write the messages an alert event calls for; returns the number of new outbox rows.

    ``move``: ``publish``/``approve`` (the perimeter, the open gendarmerie for security alerts; the author is told
    of an approval), ``widen`` (the newly added sectors), ``submit`` and ``appeal`` (the moderators),
    ``reject`` and ``close`` (the author), ``withdraw`` (whoever was told of the publication).
    """
    alert = session.get(Alert, alert_id)
    if alert is None:
        return 0
    if now is None:  # the moment of the event itself (sanctions and quiet hours are judged then)
        at = session.scalar(select(func.max(AlertEvent.at)).where(AlertEvent.alert_id == alert_id))
        now = as_utc(at) if at is not None else datetime.now(UTC)
    commune = session.get(Commune, alert.commune_id)
    assert commune is not None
    cats = {c.code: c for c in commune_categories(session, alert.commune_id)}
    cat = cats.get(alert.category)
    label = cat.label if cat else alert.category
    family = cat.family if cat else Family.SECURITY
    link = f"{config.public_url}/?alerte={alert.id}"
    facts = AlertFacts(alert.id, label, alert.text, alert.display_label, commune.name)
    exact = AlertFacts(
        alert.id, label, alert.text, alert.display_label, commune.name, exact_address=_exact(alert) or None
    )
    homes = {s.sector_code for s in alert.sectors if s.home}
    new = 0

    def draft(kind: str, f: AlertFacts, key: str, *, sms: bool = False) -> Draft:
        subject, body = alert_text(kind, f, link)
        return Draft(
            kind=kind,
            key=key,
            subject=subject,
            body=body,
            link=link,
            sms=sms_text(f, link, kind) if sms else "",
            alert_id=alert.id,
            urgent=family == Family.SECURITY and kind in ("publication", "withdrawal"),
            digest=family == Family.SOLIDARITY and kind == "publication",
        )

    def tell(members: list[Member], kind: str, key: str, *, sms: bool = False) -> int:
        prefs = load_prefs(session, [m.id for m in members])
        open_ = gendarmerie_access_open(session, alert.commune_id)
        plain: list[Recipient] = []
        precise: list[Recipient] = []
        for m in members:
            sees = _viewer(m, commune, open_).sees_exact_location(alert.author_id, homes)
            (precise if sees else plain).append(_recipient(m, prefs))
        d = draft(kind, facts, key, sms=sms)
        return enqueue(session, alert.commune_id, d, plain, now) + enqueue(
            session, alert.commune_id, draft(kind, exact, key, sms=sms), precise, now
        )

    author = session.get(Member, alert.author_id) if alert.author_id else None
    sms_ok = family in (Family.SECURITY, Family.OFFICIAL)
    if move in ("publish", "approve", "widen") and alert.status == "published":
        codes = {s.sector_code for s in alert.sectors}
        loaded = _preload(session, alert.commune_id)  # kept referenced until the audience is built
        audience = recipients(session, alert.commune_id, codes, now=now)
        # The referents of the perimeter's sectors and, for security alerts, the gendarmerie while its access is
        # open: both may read the alert wherever they live.
        referents = _referents(session, alert, codes)
        gendarmerie = family == Family.SECURITY and gendarmerie_access_open(session, alert.commune_id)
        audience += [
            m
            for m in recipients(session, alert.commune_id, None, now=now)
            if (m.role == Role.REFERENT and m.id in referents) or (gendarmerie and m.role == Role.GENDARMERIE)
        ]
        audience = [m for m in audience if m.id != alert.author_id]
        del loaded
        new += tell(audience, "publication", f"a{alert.id}:pub", sms=sms_ok)
        if move == "approve" and author is not None:
            new += tell([author], "approved", f"a{alert.id}:ok:{_event_id(session, alert.id, move)}")
    elif move in ("submit", "appeal"):
        kind = "moderation" if move == "submit" else "appeal"
        new += tell(_staff(session, alert, now), kind, f"a{alert.id}:{move}:{_event_id(session, alert.id, move)}")
    elif move in ("reject", "close") and author is not None:
        event_id, actor_id = _last_event(session, alert.id, move)
        if actor_id == author.id:
            return new  # the author closed their own alert: nothing to tell them
        kind = "rejected" if move == "reject" else "closed"
        reason = alert.reject_reason if move == "reject" else alert.feedback
        f = AlertFacts(alert.id, label, alert.text, alert.display_label, commune.name, _exact(alert), reason)
        subject, body = alert_text(kind, f, link)
        key = f"a{alert.id}:{move}:{event_id}"
        prefs = load_prefs(session, [author.id])
        new += enqueue(
            session,
            alert.commune_id,
            Draft(kind, key, subject, body, link, alert_id=alert.id),
            [_recipient(author, prefs)],
            now,
        )
    elif move == "withdraw":
        told = session.scalars(
            select(Member).where(
                Member.id.in_(
                    select(OutboxRow.member_id).where(OutboxRow.alert_id == alert.id, OutboxRow.kind == "publication")
                )
            )
        ).all()
        new += tell(list(told), "withdrawal", f"a{alert.id}:withdraw", sms=sms_ok)
    return new
