"""Members: sign-up (web, paper at the mairie, operator), address verification or refusal, listing.

A resident signs up with an address in the commune; it is geocoded and placed in its sector, and the account
stays *pending* until a referent of that sector or a mairie agent has checked the proof of address offline
and records who verified, when and how.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from community._accounts import issue_invitation, normalize_email
from community._audit import record
from community._charter import accept_charter, current_charter
from community._events import fire
from community._passwords import check_password, hash_password
from community._permissions import Action, Actor, require
from community._placement import Placement, place_address
from gis import Geocoder, InputError
from store import bind_scope_of
from store.schema import Commune, Member, MemberStatus, Role, utcnow

_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")
STAFF_ROLES = frozenset({Role.MAIRIE_AGENT, Role.MAIRIE_ADMIN, Role.GENDARMERIE})
CHANNELS = frozenset({"web", "paper", "operator"})

# How an address was verified (the proof itself is seen offline and never stored); French names, typed and shown.
VERIFICATION_METHODS: dict[str, str] = {
    "courrier": "code reçu par courrier à cette adresse",
    "document": "justificatif de domicile présenté",
    "visite": "visite au domicile",
    "connu": "connu personnellement du vérificateur",
    "dossier": "dossier papier déposé en mairie",
    "nomination": "nommé par la mairie",
    "operateur": "vérifié par l'opérateur",
}
# Names used before the vocabulary was French, still accepted on input.
_FORMER_METHODS = {"visit": "visite", "known": "connu", "paper": "dossier", "operator": "operateur"}


def check_method(name: str) -> str:
    """The verification method named ``name`` (French name; former English names accepted)."""
    wanted = (name or "").strip().lower()
    wanted = _FORMER_METHODS.get(wanted, wanted)
    if wanted not in VERIFICATION_METHODS:
        raise InputError(
            f"Méthode de vérification inconnue : {name}. Choix : {', '.join(VERIFICATION_METHODS)}.",
            field="method",
        )
    return wanted


@dataclass(frozen=True)
class Registration:
    """A new account; ``invitation_token`` (shown once) lets the member choose a password."""

    member: Member
    invitation_token: str | None


def check_email(email: str) -> str:
    """The normalised e-mail, or :class:`InputError`."""
    normalized = normalize_email(email)
    if not _EMAIL.match(normalized) or len(normalized) > 254:
        raise InputError(f"Adresse e-mail invalide : « {email} » (exemple : prenom.nom@exemple.fr).", field="email")
    return normalized


def _check_name(name: str) -> str:
    cleaned = " ".join((name or "").split())
    if not cleaned:
        raise InputError(
            "Indiquez un nom (ou un prénom) : il est montré aux référents qui vérifient l'adresse.", field="name"
        )
    if len(cleaned) > 200:
        raise InputError("Nom trop long (200 caractères au plus).", field="name")
    return cleaned


def find_member(session: Session, commune: Commune, email: str) -> Member:
    """The member of ``commune`` with this e-mail; raises :class:`InputError` when there is none."""
    member = session.scalar(
        select(Member).where(Member.email == normalize_email(email), Member.commune_id == commune.id)
    )
    if member is None:
        raise InputError(f"Aucun membre « {email} » dans la commune de {commune.name}.", field="email")
    return member


class EmailTakenError(InputError):
    """The e-mail already belongs to an account (raised after every other check of a registration passed)."""


@dataclass(frozen=True)
class CheckedRegistration:
    """A registration's input once every check passed: normalised e-mail and name, home placement, method."""

    email: str
    name: str
    placement: Placement | None
    verification_method: str | None


def email_taken(session: Session, email: str) -> bool:
    """Whether an account of any commune holds ``email`` (normalised).

    On PostGIS, row-level security hides other communes' members: the scope function answers for them (and
    binds the transaction to that scope: call this in a unit of work of its own).
    """
    if bind_scope_of(session, "email", email) is not None:
        return True
    return session.scalar(select(Member.id).where(Member.email == email)) is not None


def check_registration(
    session: Session,
    actor: Actor | None,
    commune: Commune,
    *,
    email: str,
    name: str,
    role: Role = Role.RESIDENT,
    password: str | None = None,
    address: str | None = None,
    lon: float | None = None,
    lat: float | None = None,
    channel: str = "web",
    charter_version: int | None = None,
    verification_method: str | None = None,
    geocoder: Geocoder | None = None,
) -> CheckedRegistration:
    """Every check of :func:`register_member` except the e-mail's uniqueness, writing nothing.

    A web sign-up with an e-mail already in use goes through the same checks, so that its answer cannot tell
    whether the e-mail has an account.
    """
    if channel not in CHANNELS:
        raise InputError(f"Canal d'inscription inconnu : {channel}.", field="channel")
    if role == Role.PLATFORM_ADMIN:
        raise InputError("Un compte d'administrateur de la plateforme ne se crée pas ici.", field="role")
    if channel == "web":
        if actor is not None:
            raise InputError("L'inscription en ligne est faite par la personne elle-même.", field="channel")
        if role != Role.RESIDENT:
            raise InputError("L'inscription en ligne ne crée que des comptes d'habitant.", field="role")
        charter = current_charter(session, commune.id)
        if charter is None:
            raise InputError(
                f"La mairie de {commune.name} n'a pas encore publié sa charte : inscription impossible.",
                field="charter",
            )
        if charter_version != charter.version:
            raise InputError(
                f"Lisez et acceptez la charte (version {charter.version}) pour vous inscrire.", field="charter"
            )
    else:
        if actor is None:
            raise InputError("Indiquez qui inscrit ce membre.", field="actor")
        require(actor, Action.REGISTER_MEMBER, commune_id=commune.id)
        if role in STAFF_ROLES or role == Role.REFERENT:
            require(actor, Action.NAME_STAFF if role in STAFF_ROLES else Action.ASSIGN_REFERENT, commune_id=commune.id)
    if verification_method is not None:
        verification_method = check_method(verification_method)
    email = check_email(email)
    name = _check_name(name)
    if password is not None:
        check_password(password, email=email, name=name)
    placement = None
    if address is not None or lon is not None or lat is not None:
        placement = place_address(session, commune, text=address, lon=lon, lat=lat, geocoder=geocoder)
    elif role in (Role.RESIDENT, Role.REFERENT):
        raise InputError("Indiquez l'adresse du domicile, ou son point (longitude et latitude).", field="address")
    return CheckedRegistration(email, name, placement, verification_method)


def register_member(
    session: Session,
    actor: Actor | None,
    commune: Commune,
    *,
    email: str,
    name: str,
    role: Role = Role.RESIDENT,
    password: str | None = None,
    address: str | None = None,
    lon: float | None = None,
    lat: float | None = None,
    channel: str = "web",
    charter_version: int | None = None,
    verification_method: str | None = None,
    geocoder: Geocoder | None = None,
    now: datetime | None = None,
    invitation_days: float = 14.0,
) -> Registration:
    """Create an account; every check first, then one write (nothing half-stored).

    Parameters
    ----------
    actor
        None for a resident signing up themself on the web; else the agent (paper form) or operator.
    commune
        The commune the member joins.
    email, name
        Contact and display name (the only identity data kept).
    role
        ``resident`` (default) or a staff role (needs the right to name staff).
    password
        Checked against the CNIL rules and hashed; when None an invitation token is returned instead.
    address, lon, lat
        The home address (text, geocoded) or point; required for residents, optional for staff.
    channel
        ``web`` (self sign-up: the current charter must be accepted), ``paper`` (registered by a mairie agent
        from a signed paper form: the charter is recorded as accepted on paper) or ``operator``.
    charter_version
        For ``web``: the charter version the person accepted (must be the current one).
    verification_method
        When the registering agent has already checked the proof of address (e.g. ``paper``), the account is
        verified at once by them with this method.
    """
    now = now or utcnow()
    checked = check_registration(
        session,
        actor,
        commune,
        email=email,
        name=name,
        role=role,
        password=password,
        address=address,
        lon=lon,
        lat=lat,
        channel=channel,
        charter_version=charter_version,
        verification_method=verification_method,
        geocoder=geocoder,
    )
    email, name, placement = checked.email, checked.name, checked.placement
    verification_method = checked.verification_method
    if session.scalar(select(Member.id).where(Member.email == email)) is not None:
        raise EmailTakenError(f"L'adresse e-mail {email} est déjà utilisée par un compte.", field="email")
    member = Member(
        commune_id=commune.id,
        email=email,
        name=name,
        role=role,
        status=MemberStatus.PENDING,
        password_hash=hash_password(password) if password is not None else None,
        totp_enabled=False,
        address_label=placement.label if placement else "",
        address_ban_id=placement.ban_id if placement else None,
        lon=placement.lon if placement else None,
        lat=placement.lat if placement else None,
        sector_code=placement.sector.code if placement and placement.sector else None,
        registered_via=channel,
        registered_by_id=actor.member_id if actor else None,
        created_at=now,
        updated_at=now,
    )
    token = issue_invitation(member, now=now, days=invitation_days) if password is None else None
    staff = role in STAFF_ROLES or role == Role.REFERENT
    if staff or verification_method is not None:
        member.status = MemberStatus.VERIFIED
        member.verified_at = now
        member.verified_by_id = actor.member_id if actor else None
        member.verification_method = verification_method or "nomination"
    session.add(member)
    session.flush()
    if channel in ("web", "paper") and current_charter(session, commune.id) is not None:
        version = charter_version if channel == "web" else current_charter(session, commune.id).version  # type: ignore[union-attr]
        accept_charter(session, member, version, channel=channel, now=now)  # type: ignore[arg-type]
    record(
        session,
        actor,
        "created",
        "member",
        member.id,
        commune_id=commune.id,
        at=now,
        role=str(role),
        channel=channel,
        sector=member.sector_code,
        status=str(member.status),
    )
    if token:
        fire(session, member, "invitation", token=token, days=invitation_days)
    return Registration(member, token)


def _pending(member: Member) -> None:
    if member.status != MemberStatus.PENDING:
        raise InputError(f"Ce compte n'est pas en attente de vérification (statut : {member.status}).", field="email")


def verify_member(
    session: Session, actor: Actor, member: Member, *, method: str, note: str = "", now: datetime | None = None
) -> Member:
    """Record that ``actor`` checked the member's proof of address offline, and how; the account is verified.

    A referent may verify only members of their sectors; a mairie agent anyone in the commune.
    """
    require(actor, Action.VERIFY_MEMBER, commune_id=member.commune_id, sector_code=member.sector_code)
    method = check_method(method)
    _pending(member)
    now = now or utcnow()
    member.status = MemberStatus.VERIFIED
    member.verified_at = now
    member.verified_by_id = actor.member_id
    member.verification_method = method
    member.verification_note = (note or "").strip()[:500] or None
    member.updated_at = now
    record(
        session,
        actor,
        "changed",
        "member",
        member.id,
        commune_id=member.commune_id,
        at=now,
        status="verified",
        method=method,
    )
    fire(session, member, "verified")
    return member


def refuse_member(
    session: Session, actor: Actor, member: Member, *, reason: str, now: datetime | None = None
) -> Member:
    """Refuse a pending sign-up, with a reason the person is told."""
    require(actor, Action.REFUSE_MEMBER, commune_id=member.commune_id, sector_code=member.sector_code)
    reason = " ".join((reason or "").split())
    if not reason:
        raise InputError("Indiquez le motif du refus : il est communiqué à la personne.", field="reason")
    _pending(member)
    now = now or utcnow()
    member.status = MemberStatus.REFUSED
    member.refused_at = now
    member.refused_by_id = actor.member_id
    member.refusal_reason = reason[:500]
    member.updated_at = now
    record(session, actor, "changed", "member", member.id, commune_id=member.commune_id, at=now, status="refused")
    fire(session, member, "refused", reason=member.refusal_reason)
    return member


def list_members(
    session: Session, actor: Actor, commune: Commune, *, status: MemberStatus | None = None
) -> list[Member]:
    """The members of ``commune`` the actor may see (a referent: those of their sectors), by e-mail.

    Deleted accounts (tombstones) are left out. The listing is audit-logged.
    """
    if actor.role == Role.REFERENT:
        sectors = sorted(actor.referent_sectors)
        require(actor, Action.LIST_MEMBERS, commune_id=commune.id, sector_code=sectors[0] if sectors else None)
    else:
        require(actor, Action.LIST_MEMBERS, commune_id=commune.id)
    query = select(Member).where(Member.commune_id == commune.id, Member.status != MemberStatus.DELETED)
    if actor.role == Role.REFERENT:
        query = query.where(Member.sector_code.in_(actor.referent_sectors))
    if status is not None:
        query = query.where(Member.status == status)
    members = list(session.scalars(query.order_by(Member.email)))
    record(session, actor, "viewed", "member_list", commune.id, commune_id=commune.id, count=len(members))
    return members


def view_member(session: Session, actor: Actor, member: Member) -> Member:
    """Read one member's record (audit-logged as viewed)."""
    if actor.member_id != member.id:
        require(actor, Action.VIEW_MEMBER, commune_id=member.commune_id, sector_code=member.sector_code)
    record(session, actor, "viewed", "member", member.id, commune_id=member.commune_id)
    return member


def recipients(
    session: Session, commune_id: int, sector_codes: set[str] | frozenset[str] | None, *, now: datetime | None = None
) -> list[Member]:
    """Members of ``commune_id`` living in ``sector_codes`` (None: the whole commune) who may receive now.

    Suspended, excluded, pending, refused and deleted accounts are left out (see :func:`can_receive`).
    """
    from community._sanctions import can_receive

    query = select(Member).where(Member.commune_id == commune_id, Member.status == MemberStatus.VERIFIED)
    if sector_codes is not None:
        query = query.where(Member.sector_code.in_(sorted(sector_codes)))
    return [m for m in session.scalars(query.order_by(Member.id)) if can_receive(m, now)]


def relocate_members(session: Session, actor: Actor, commune: Commune) -> int:
    """Place every member of ``commune`` again in the active sector set (after a new set is activated).

    Returns how many members changed sector. Sector codes are stable across versions, so only members whose
    home now falls in a differently coded sector (or in none) change.
    """
    from community._placement import locate_sector

    require(actor, Action.EDIT_SECTORS, commune_id=commune.id)
    members = session.scalars(
        select(Member).where(
            Member.commune_id == commune.id,
            Member.status != MemberStatus.DELETED,
            Member.lon.is_not(None),
            Member.lat.is_not(None),
        )
    ).all()
    changed = 0
    for member in members:
        sector = locate_sector(session, commune, member.lon, member.lat)  # type: ignore[arg-type]
        code = sector.code if sector else None
        if code != member.sector_code:
            before, member.sector_code = member.sector_code, code
            member.updated_at = utcnow()
            changed += 1
            fire(session, member, "sector_changed", before=before, after=code)
    record(session, actor, "changed", "member_sectors", commune.id, commune_id=commune.id, relocated=changed)
    return changed
