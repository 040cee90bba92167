"""Members: sign-up (self, paper, operator), verification, sanctions, listing, RGPD rights, staff, second factor.

Every function takes the acting :class:`Actor` first (except the two a person does before having an account:
:func:`sign_up` and :func:`accept_invitation`), opens its own unit of work in the commune concerned, and is
authorised by the permission matrix of ``community`` (the domain functions it calls check it, in the same
transaction). ``commune`` is an INSEE code; None means the actor's own commune.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from services._community import MemberInfo, SanctionInfo, in_commune, member_of, own_member
from services._core import Actor, ServiceError, unit_of_work
from services._throttle import RecentEvents

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

__all__ = [
    "Application",
    "MemberInfo",
    "PendingMember",
    "Registered",
    "SanctionEntry",
    "SanctionInfo",
    "TotpEnrolment",
    "accept_invitation",
    "apply",
    "confirm_totp",
    "delete",
    "delete_own",
    "exclude",
    "export",
    "export_own",
    "lift",
    "list_members",
    "name_staff",
    "pending",
    "refuse",
    "register",
    "relocate",
    "reset_totp",
    "sanctions",
    "sign_up",
    "start_totp",
    "suspend",
    "verify",
    "view",
    "warn",
]


@dataclass(frozen=True)
class Registered:
    """A new account; ``invitation_token`` (shown once) lets the person choose their password."""

    member: MemberInfo
    invitation_token: str | None


@dataclass(frozen=True)
class Application:
    """The answer to a sign-up on the web, the same whether the e-mail already had an account or not."""

    email: str
    message: str


# The shortest time a web sign-up answers in (seconds), known e-mail or not.
SIGN_UP_FLOOR_S = 0.25
APPLIED = (
    "Votre demande d'inscription est enregistrée : elle est en attente de vérification. Un e-mail vient de vous "
    "être envoyé à {email} pour choisir votre mot de passe ; un référent de votre secteur ou la mairie vérifiera "
    "ensuite votre adresse (par courrier, visite ou justificatif)."
)
# Web sign-ups each send an invitation e-mail: at most so many per hour from one connection, and per commune.
_SIGN_UPS_BY_CLIENT = RecentEvents(window_s=3600.0)
TOO_MANY_FROM_HERE = (
    "Trop de demandes d'inscription depuis cette connexion : réessayez dans une heure, ou demandez à la mairie "
    "de vous inscrire."
)
TOO_MANY_IN_COMMUNE = (
    "La commune reçoit beaucoup de demandes d'inscription en ce moment : réessayez dans une heure, ou demandez à "
    "la mairie de vous inscrire."
)


@dataclass(frozen=True)
class TotpEnrolment:
    """A second factor being enrolled: ``uri`` (``otpauth://``) is shown once, as a QR code or as text."""

    member_id: int
    uri: str


@dataclass(frozen=True)
class PendingMember:
    """A sign-up waiting for verification, with the point its address was geocoded to (exact: staff only)."""

    member: MemberInfo
    lon: float | None
    lat: float | None
    registered_at: datetime


@dataclass(frozen=True)
class SanctionEntry:
    """A sanction in the commune's history, with the member it concerns and whether it is in force."""

    sanction: SanctionInfo
    email: str | None
    name: str
    in_force: bool  # a suspension running now, or an exclusion; a warning never is


def _now(now: datetime | None) -> datetime:
    from store.schema import utcnow

    return now or utcnow()


# ---------------------------------------------------------------------- sign-up
def register(
    actor: Actor,
    commune: str | None,
    *,
    email: str,
    name: str,
    role: str = "resident",
    address: str | None = None,
    lon: float | None = None,
    lat: float | None = None,
    password: str | None = None,
    sector: str | None = None,
    verification_method: str | None = None,
    now: datetime | None = None,
) -> Registered:
    """Register someone on their behalf: a mairie agent from a signed paper form, or the operator.

    On a paper form the current charter is recorded as accepted on paper. A ``referent`` is named for
    ``sector`` at once; staff roles need the right to name staff. Without ``password`` an invitation token
    is returned (the person chooses their password with it).

    Raises
    ------
    ServiceError
        ``field`` is ``email``, ``name``, ``role``, ``address``, ``sector``, ``method``, ``password`` or
        ``actor`` (not allowed).
    """
    from community import assign_referent, parse_role, register_member
    from services._config import geocoder, settings
    from store.schema import Role

    chosen = parse_role(role)
    if chosen == Role.REFERENT and not (sector or "").strip():
        raise ServiceError("Un référent est nommé pour un secteur : indiquez lequel.", field="sector")
    if sector and chosen != Role.REFERENT:
        raise ServiceError("Le secteur ne s'indique que pour nommer un référent.", field="sector")
    if address is not None and (lon is not None or lat is not None):
        raise ServiceError("Indiquez soit l'adresse, soit la longitude et la latitude, pas les deux.", field="address")
    if (lon is None) != (lat is None):
        raise ServiceError("Indiquez la longitude et la latitude ensemble.", field="lon")
    now = _now(now)
    with in_commune(actor, commune) as (session, found):
        registration = register_member(
            session,
            actor,
            found,
            email=email,
            name=name,
            role=chosen,
            password=password,
            address=address,
            lon=lon,
            lat=lat,
            channel="operator" if actor.member_id is None else "paper",
            verification_method=verification_method,
            geocoder=geocoder(session),
            now=now,
            invitation_days=settings().invitation_days,
        )
        member = registration.member
        if chosen == Role.REFERENT:
            assign_referent(session, actor, found, sector or "", member, now=now)
        return Registered(MemberInfo.of(member, now), registration.invitation_token)


def sign_up(
    commune: str,
    *,
    email: str,
    name: str,
    password: str,
    charter_version: int,
    address: str | None = None,
    lon: float | None = None,
    lat: float | None = None,
    now: datetime | None = None,
) -> Registered:
    """A resident signs up themself (no actor yet): the account stays pending until verified.

    ``charter_version`` is the version of the charter the person read and accepted (the current one).
    """
    from community import register_member
    from services._config import geocoder

    now = _now(now)
    with in_commune(None, commune) as (session, found):
        registration = register_member(
            session,
            None,
            found,
            email=email,
            name=name,
            password=password,
            address=address,
            lon=lon,
            lat=lat,
            channel="web",
            charter_version=charter_version,
            geocoder=geocoder(session),
            now=now,
        )
        return Registered(MemberInfo.of(registration.member, now), None)


def apply(
    commune: str,
    *,
    email: str,
    name: str,
    address: str,
    charter_version: int | None,
    phone: str | None = None,
    client: str | None = None,
    now: datetime | None = None,
) -> Application:
    """A resident signs up on the web (no actor yet): the account is created pending verification, and an
    invitation (e-mailed by the notifications) lets them choose their password on ``/auth/invitation``.

    The answer is the same whether the e-mail already has an account: every check runs either way, and the
    account holder is told by e-mail that someone tried to sign up with their address (nobody learns from
    this form which e-mails have an account).

    ``client`` is the address the request came from (None: not known, e.g. on localhost): it may make
    ``settings.signup_per_client_per_hour`` sign-ups an hour in this process; the commune accepts
    ``settings.signup_per_commune_per_hour`` web sign-ups an hour whatever their origin.

    Raises
    ------
    ServiceError
        ``field`` is ``email`` (malformed), ``name``, ``address`` (unknown, outside the commune),
        ``charter`` (not accepted, or not the current version), ``phone``, ``commune``, or ``limit`` (too
        many sign-ups this hour, from this connection or in the commune).
    """
    from services._config import settings

    started = time.monotonic()
    try:
        if client and _SIGN_UPS_BY_CLIENT.count(client, started) >= settings().signup_per_client_per_hour:
            raise ServiceError(TOO_MANY_FROM_HERE, field="limit")
        done = _apply(commune, email, name, address, charter_version, phone, _now(now))
        if client:
            _SIGN_UPS_BY_CLIENT.record(client, time.monotonic())
        return done
    finally:
        # Creating an account takes longer than answering for a known e-mail: every answer takes at least
        # this long, so that the time taken does not tell either.
        time.sleep(max(0.0, SIGN_UP_FLOOR_S - (time.monotonic() - started)))


def _apply(
    commune: str,
    email: str,
    name: str,
    address: str,
    charter_version: int | None,
    phone: str | None,
    now: datetime,
) -> Application:
    from community import EmailTakenError, check_email, check_registration, register_member
    from notify import normalize_phone
    from services._config import geocoder, settings
    from store.schema import NotifyPrefs

    normalized = check_email(email)
    number = normalize_phone(phone) if phone and phone.strip() else None
    taken = _email_taken(normalized)
    with in_commune(None, commune) as (session, found):
        if _recent_web_sign_ups(session, found.id, now) >= settings().signup_per_commune_per_hour:
            raise ServiceError(TOO_MANY_IN_COMMUNE, field="limit")
        checks: dict[str, Any] = {
            "email": normalized,
            "name": name,
            "address": address,
            "channel": "web",
            "charter_version": charter_version,
            "geocoder": geocoder(session),
        }
        if taken:
            check_registration(session, None, found, **checks)
        else:
            try:
                registration = register_member(
                    session, None, found, **checks, now=now, invitation_days=settings().invitation_days
                )
            except EmailTakenError:
                taken = True  # registered meanwhile, in this commune
            else:
                if number is not None:
                    member = registration.member
                    session.add(NotifyPrefs(member_id=member.id, commune_id=found.id, phone=number, sms_on=False))
    if taken:
        _tell_holder(normalized, now)
    return Application(normalized, APPLIED.format(email=normalized))


def _recent_web_sign_ups(session: Session, commune_id: int, now: datetime) -> int:
    """The accounts created from the web sign-up form in the commune within the hour before ``now``."""
    from datetime import timedelta

    from sqlalchemy import func, select

    from store.schema import Member

    since = now - timedelta(hours=1)
    query = select(func.count()).where(
        Member.commune_id == commune_id, Member.registered_via == "web", Member.created_at >= since
    )
    return int(session.scalar(query) or 0)


def _email_taken(email: str) -> bool:
    from community import email_taken

    with unit_of_work() as session:
        return email_taken(session, email)


def _tell_holder(email: str, now: datetime) -> None:
    """Tell the holder of ``email`` that someone tried to sign up with it (in their commune's scope), once an hour
    at most: the form cannot be used to flood someone's mailbox."""
    from sqlalchemy import select

    from community._events import fire
    from store import bind_scope_of
    from store.schema import Member

    with unit_of_work() as session:
        bind_scope_of(session, "email", email)
        member = session.scalar(select(Member).where(Member.email == email))
        if member is not None:
            fire(session, member, "sign_up_again", window=now.strftime("%Y-%m-%dT%H"))


def name_staff(
    actor: Actor, commune: str | None, *, email: str, name: str, role: str, now: datetime | None = None
) -> Registered:
    """Create a mairie agent, mairie admin or gendarmerie account (verified; an invitation token to sign in)."""
    from community import parse_role
    from community._members import STAFF_ROLES

    if parse_role(role) not in STAFF_ROLES:
        raise ServiceError("Seuls les comptes mairie-agent, mairie-admin et gendarmerie se créent ainsi.", field="role")
    return register(actor, commune, email=email, name=name, role=role, now=now)


def accept_invitation(token: str, password: str, *, now: datetime | None = None) -> MemberInfo:
    """First sign-in: the invitation token (shown once at registration) and the password the person chooses.

    Raises
    ------
    ServiceError
        ``field="token"``: unknown, used or expired invitation; ``field="password"``: too weak a password.
    """
    from community import AuthenticationError, WeakPasswordError
    from community import accept_invitation as accept

    with unit_of_work() as session:
        try:
            member = accept(session, token, password, now=now)
        except WeakPasswordError as exc:
            raise ServiceError(exc.message, exc.problems, field="password") from exc
        except AuthenticationError as exc:
            raise ServiceError(exc.message, field="token") from exc
        return MemberInfo.of(member, now)


# ---------------------------------------------------------------------- verification and refusal
def verify(
    actor: Actor, commune: str | None, email: str, *, method: str, note: str = "", now: datetime | None = None
) -> MemberInfo:
    """Record that ``actor`` checked the member's proof of address offline, and how (courrier, visite...)."""
    from community import verify_member

    with in_commune(actor, commune) as (session, found):
        member = verify_member(session, actor, member_of(session, found, email), method=method, note=note, now=now)
        return MemberInfo.of(member, now)


def refuse(actor: Actor, commune: str | None, email: str, *, reason: str, now: datetime | None = None) -> MemberInfo:
    """Refuse a pending sign-up, with a reason the person is told."""
    from community import refuse_member

    with in_commune(actor, commune) as (session, found):
        member = refuse_member(session, actor, member_of(session, found, email), reason=reason, now=now)
        return MemberInfo.of(member, now)


# ---------------------------------------------------------------------- sanctions
def warn(actor: Actor, commune: str | None, email: str, *, reason: str, now: datetime | None = None) -> SanctionInfo:
    """A warning, kept in the member's history."""
    from community import warn as warn_member

    with in_commune(actor, commune) as (session, found):
        return SanctionInfo.of(warn_member(session, actor, member_of(session, found, email), reason=reason, now=now))


def suspend(
    actor: Actor, commune: str | None, email: str, *, until: datetime, reason: str, now: datetime | None = None
) -> SanctionInfo:
    """Suspend a member until ``until``: meanwhile they neither post nor receive."""
    from community import suspend as suspend_member

    with in_commune(actor, commune) as (session, found):
        member = member_of(session, found, email)
        return SanctionInfo.of(suspend_member(session, actor, member, until=until, reason=reason, now=now))


def exclude(actor: Actor, commune: str | None, email: str, *, reason: str, now: datetime | None = None) -> SanctionInfo:
    """Exclude a member for good (the account is closed; its data stays until deleted)."""
    from community import exclude as exclude_member

    with in_commune(actor, commune) as (session, found):
        member = member_of(session, found, email)
        return SanctionInfo.of(exclude_member(session, actor, member, reason=reason, now=now))


def lift(actor: Actor, commune: str | None, email: str, *, now: datetime | None = None) -> SanctionInfo:
    """End the member's suspension in force early (the record stays)."""
    from community import active_suspension
    from community import lift as lift_sanction

    now = _now(now)
    with in_commune(actor, commune) as (session, found):
        member = member_of(session, found, email)
        current = active_suspension(member, now)
        if current is None:
            raise ServiceError(f"Aucune suspension en cours pour {email}.", field="email")
        return SanctionInfo.of(lift_sanction(session, actor, current, now=now))


# ---------------------------------------------------------------------- reading
def list_members(actor: Actor, commune: str | None = None, *, status: str | None = None) -> list[MemberInfo]:
    """The members the actor may see (a referent: those of their sectors), by e-mail; the listing is audited."""
    from community import list_members as listing
    from store.schema import MemberStatus

    wanted = None
    if status is not None:
        try:
            wanted = MemberStatus(status)
        except ValueError:
            choices = ", ".join(s.value for s in MemberStatus)
            raise ServiceError(f"Statut inconnu : « {status} ». Choix : {choices}.", field="status") from None
    now = _now(None)
    with in_commune(actor, commune) as (session, found):
        return [MemberInfo.of(m, now) for m in listing(session, actor, found, status=wanted)]


def pending(actor: Actor, commune: str | None = None) -> list[PendingMember]:
    """The sign-ups waiting for verification that the actor may see (a referent: their sectors), oldest first,
    each with its geocoded point; the listing is audited."""
    from community import list_members as listing
    from store.schema import MemberStatus, as_utc

    now = _now(None)
    with in_commune(actor, commune) as (session, found):
        rows = listing(session, actor, found, status=MemberStatus.PENDING)
        rows.sort(key=lambda m: (as_utc(m.created_at), m.id))
        return [PendingMember(MemberInfo.of(m, now), m.lon, m.lat, as_utc(m.created_at)) for m in rows]


def sanctions(actor: Actor, commune: str | None = None, *, now: datetime | None = None) -> list[SanctionEntry]:
    """Every sanction of the commune's members, newest first (for who lists the whole commune; audited).

    Raises
    ------
    ServiceError
        ``field="actor"``: the actor may not list the commune's members.
    """
    from sqlalchemy import select

    from community import Action, authorize, record
    from store.schema import Member, Sanction, SanctionKind

    now = _now(now)
    with in_commune(actor, commune) as (session, found):
        authorize(session, actor, Action.LIST_MEMBERS, commune_id=found.id)
        rows = session.execute(
            select(Sanction, Member.email, Member.name)
            .join(Member, Member.id == Sanction.member_id)
            .where(Member.commune_id == found.id)
            .order_by(Sanction.id.desc())
        ).all()
        record(session, actor, "viewed", "sanctions", found.id, commune_id=found.id, count=len(rows))
        entries = []
        for sanction, email, name in rows:
            info = SanctionInfo.of(sanction)
            running = info.ends_at is not None and info.lifted_at is None and info.starts_at <= now < info.ends_at
            in_force = info.kind == SanctionKind.EXCLUSION.value or (
                info.kind == SanctionKind.SUSPENSION.value and running
            )
            entries.append(SanctionEntry(info, email, name, in_force))
        return entries


def view(actor: Actor, commune: str | None, email: str) -> MemberInfo:
    """One member's record (audited as viewed)."""
    from community import view_member

    with in_commune(actor, commune) as (session, found):
        return MemberInfo.of(view_member(session, actor, member_of(session, found, email)))


def relocate(actor: Actor, commune: str | None) -> int:
    """Place every member again in the active sector set; returns how many changed sector."""
    from community import relocate_members

    with in_commune(actor, commune) as (session, found):
        return relocate_members(session, actor, found)


# ---------------------------------------------------------------------- RGPD
def _ensure_rgpd_hooks() -> None:
    from services._startup import start

    start()


def export(actor: Actor, commune: str | None, email: str, *, now: datetime | None = None) -> dict[str, Any]:
    """Everything held about a member (right of access), JSON-ready; the export is audited."""
    from community import export_member_data

    _ensure_rgpd_hooks()
    with in_commune(actor, commune) as (session, found):
        return export_member_data(session, actor, member_of(session, found, email), now=now)


def export_own(actor: Actor, *, now: datetime | None = None) -> dict[str, Any]:
    """Everything held about the actor themself."""
    from community import export_member_data

    _ensure_rgpd_hooks()
    with in_commune(actor, None) as (session, _):
        return export_member_data(session, actor, own_member(session, actor), now=now)


def delete(actor: Actor, commune: str | None, email: str, *, now: datetime | None = None) -> dict[str, int]:
    """Delete a member's account (right to erasure): personal data wiped, their alerts anonymised.

    Returns how many rows each domain anonymised (``{"alerts": 3}``).
    """
    from community import delete_account

    _ensure_rgpd_hooks()
    with in_commune(actor, commune) as (session, found):
        return delete_account(session, actor, member_of(session, found, email), now=now)


def delete_own(actor: Actor, *, now: datetime | None = None) -> dict[str, int]:
    """The actor deletes their own account."""
    from community import delete_account

    _ensure_rgpd_hooks()
    with in_commune(actor, None) as (session, _):
        return delete_account(session, actor, own_member(session, actor), now=now)


# ---------------------------------------------------------------------- second factor (TOTP)
def start_totp(actor: Actor) -> TotpEnrolment:
    """Begin enrolling the actor's second factor: a new secret, returned as an ``otpauth://`` URI.

    The factor is on only once :func:`confirm_totp` received a code from the app.
    """
    from community import Action, authorize, record
    from community import start_totp as start

    with in_commune(actor, None) as (session, _):
        member = own_member(session, actor)
        authorize(session, actor, Action.SET_OWN_CREDENTIALS, member_id=member.id)
        uri = start(member)
        record(session, actor, "changed", "member", member.id, commune_id=member.commune_id, field="totp_secret")
        return TotpEnrolment(member.id, uri)


def confirm_totp(actor: Actor, code: str, *, now: datetime | None = None) -> MemberInfo:
    """Turn the second factor on with a first code from the app (``field="totp"`` when wrong)."""
    from community import Action, authorize
    from community import confirm_totp as confirm

    with in_commune(actor, None) as (session, _):
        member = own_member(session, actor)
        authorize(session, actor, Action.SET_OWN_CREDENTIALS, member_id=member.id)
        try:
            confirm(session, member, code, now=now)
        except ServiceError as exc:
            raise ServiceError(exc.message, field="totp") from exc
        return MemberInfo.of(member, now)


def reset_totp(
    actor: Actor, commune: str | None, email: str, *, reason: str, now: datetime | None = None
) -> MemberInfo:
    """A mairie agent resets a member's second factor (lost phone): the member enrols again at next sign-in.

    The member's sessions are revoked; the reset is audited with its reason.
    """
    from community import Action, authorize, record, revoke_sessions

    reason = " ".join((reason or "").split())
    if not reason:
        raise ServiceError("Indiquez le motif de la réinitialisation (gardé dans le journal).", field="reason")
    with in_commune(actor, commune) as (session, found):
        member = member_of(session, found, email)
        authorize(session, actor, Action.RESET_SECOND_FACTOR, commune_id=member.commune_id)
        member.totp_secret = None
        member.totp_enabled = False
        member.totp_last_step = None
        revoke_sessions(session, member, actor=actor, now=now)
        record(
            session, actor, "changed", "member", member.id, commune_id=member.commune_id, totp="reset", reason=reason
        )
        return MemberInfo.of(member, now)
