"""Signing in and out, and the actor behind a session: what the app's ``/auth/*`` routes call."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from services._core import Actor, ServiceError, engine, unit_of_work


@dataclass(frozen=True)
class SignedIn:
    """A new server-side session. ``token`` goes into the HttpOnly cookie only, never into a URL."""

    token: str
    expires_at: datetime
    needs_totp_enrolment: bool


def sign_in(email: str, password: str, totp: str | None = None, *, now: datetime | None = None) -> SignedIn:
    """Open a session for ``email`` / ``password`` (and the TOTP code when the account has one).

    Raises
    ------
    ServiceError
        ``field="password"`` for a wrong e-mail or password or too many attempts, ``field="totp"`` when the
        second factor is missing or wrong.
    """
    from community import AuthenticationError, SecondFactorRequiredError, login
    from services._config import settings

    s = settings()
    try:
        result = login(
            engine(),
            email,
            password,
            totp_code=totp or None,
            now=now,
            session_hours=s.session_hours,
            max_failures=s.login_max_failures,
            window_minutes=s.login_window_minutes,
        )
    except SecondFactorRequiredError as exc:
        raise ServiceError(exc.message, field="totp") from exc
    except AuthenticationError as exc:
        field = "totp" if "Code d'authentification" in exc.message else "password"
        raise ServiceError(exc.message, field=field) from exc
    return SignedIn(result.token, result.expires_at, not result.mfa_ok)


def sign_out(token: str, *, now: datetime | None = None) -> None:
    """Revoke the session ``token`` server-side (it stops working everywhere at once)."""
    from community import logout

    with unit_of_work() as session:
        logout(session, token, now=now)


def current_actor(token: str, *, require_mfa: bool = True, now: datetime | None = None) -> Actor:
    """The signed-in actor behind the session ``token``.

    Raises
    ------
    ServiceError
        ``field="session"``: unknown, revoked or expired session (sign in again).
    """
    from community import AuthenticationError, authenticate

    with unit_of_work() as session:
        try:
            member = authenticate(session, token, now=now, require_mfa=require_mfa)
        except AuthenticationError as exc:
            raise ServiceError(exc.message, field="session") from exc
        return Actor.of_member(member)


def member_actor(email: str, *, commune: str | None = None) -> Actor:
    """The member of e-mail ``email`` acting themself, identified by a trusted channel (the SMS intake, which
    matched their registered phone); never for a person typing an address.

    Raises
    ------
    ServiceError
        ``field="as"``: no member has this e-mail (in that commune), or the account is deleted.
    """
    from sqlalchemy import select
    from sqlalchemy.orm import selectinload

    from community._accounts import normalize_email
    from store import bind_scope_of
    from store.schema import Commune, Member, MemberStatus

    with unit_of_work() as session:
        bind_scope_of(session, "email", normalize_email(email))  # PostGIS: members are hidden until then
        member = session.scalar(
            select(Member)
            .options(selectinload(Member.referent_assignments))
            .where(Member.email == normalize_email(email))
        )
        in_commune = commune is None or (
            member is not None
            and session.scalar(select(Commune.insee).where(Commune.id == member.commune_id)) == commune.strip()
        )
        if member is None or member.status == MemberStatus.DELETED or not in_commune:
            where = f" dans la commune {commune}" if commune else ""
            raise ServiceError(f"Aucun membre n'a l'adresse électronique « {email} »{where}.", field="as")
        return Actor.of_member(member)


def act_for(email: str, *, operator: str, commune: str | None = None) -> Actor:
    """The member of e-mail ``email``, driven by ``operator`` at the command line (``--as EMAIL``).

    The rights are the member's own; every audit entry written for this actor names the operator too.
    With ``commune`` (INSEE code), the member must belong to that commune.

    Raises
    ------
    ServiceError
        ``field="as"``: no member has this e-mail (in that commune), or the account is deleted.
    """
    return member_actor(email, commune=commune).acted_by(operator)


def request_password_reset(email: str, *, now: datetime | None = None) -> str | None:
    """A one-time token letting the member of ``email`` choose a new password (forgotten password).

    The token (returned once, stored hashed) replaces any earlier one and is valid ``password_reset_minutes``;
    it is used like an invitation (:func:`services.members.accept_invitation`). None when no open account has
    this e-mail: the caller answers the same either way, so the page never tells whether an address is known.
    """
    from sqlalchemy import select

    from community import issue_invitation, record
    from community._accounts import normalize_email
    from community._events import fire
    from services._config import settings
    from store import bind_scope_of
    from store.schema import Member, MemberStatus

    with unit_of_work() as session:
        bind_scope_of(session, "email", normalize_email(email))  # PostGIS: members are hidden until then
        member = session.scalar(select(Member).where(Member.email == normalize_email(email)))
        if member is None or member.status in (MemberStatus.EXCLUDED, MemberStatus.DELETED):
            return None
        token = issue_invitation(member, now=now, days=settings().password_reset_minutes / (24 * 60))
        record(session, None, "changed", "member", member.id, commune_id=member.commune_id, field="password_reset")
        # The code goes by e-mail, written in this transaction (notify's outbox).
        fire(session, member, "password_reset", token=token)
        return token
