"""Accounts: login with rate limiting, sessions with expiry and server-side revocation, TOTP, invitations.

Tokens (session, invitation) are random and shown once; only their sha256 is stored. Login attempts are
stored (as a hash of the e-mail), so the rate limit holds across processes and restarts.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

import pyotp
from sqlalchemy import Engine, func, or_, select, update
from sqlalchemy.orm import Session

from community._audit import record
from community._passwords import check_password, hash_password, verify_password
from community._permissions import Actor
from gis import InputError
from store import bind_scope_of, serialised, transaction
from store.schema import AuthSession, LoginAttempt, Member, MemberStatus, Role, as_utc, utcnow

# Roles whose accounts must use a second factor (TOTP).
TOTP_ROLES = frozenset({Role.REFERENT, Role.MAIRIE_AGENT, Role.MAIRIE_ADMIN, Role.GENDARMERIE, Role.PLATFORM_ADMIN})
TOTP_ISSUER = "Voisinage"


class AuthenticationError(InputError):
    """Login refused, or a session that is unknown, expired or revoked."""


class TooManyAttemptsError(AuthenticationError):
    """Too many failed logins for this e-mail recently."""


class SecondFactorRequiredError(AuthenticationError):
    """The account needs a TOTP code to sign in."""


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def email_key(email: str) -> str:
    """The stored form of an e-mail in the login attempts (a hash: the attempts table holds no address)."""
    return hashlib.sha256(("login:" + normalize_email(email)).encode("utf-8")).hexdigest()


def normalize_email(email: str) -> str:
    return (email or "").strip().lower()


def _matching_step(secret: str | None, last_step: int | None, code: str | None, now: datetime) -> int | None:
    """The time step whose code is ``code`` (one step of clock drift either way), newer than ``last_step``."""
    if not secret or not code:
        return None
    totp = pyotp.TOTP(secret)
    current = int(now.timestamp()) // totp.interval
    for step in (current - 1, current, current + 1):
        if last_step is not None and step <= last_step:
            continue
        if secrets.compare_digest(totp.at(step * totp.interval), code.strip()):
            return step
    return None


def _accept_totp(session: Session, member_id: int, secret: str | None, code: str | None, now: datetime) -> bool:
    """Check ``code`` against the member's secret, never twice, even when sign-ins run at the same time.

    The accepted time step is stored by one conditional UPDATE (only if it is newer than the stored one):
    of several transactions presenting the same code, the database lets exactly one change the row, so a
    code seen over someone's shoulder or sent twice at once cannot be replayed.
    """
    last = session.scalar(select(Member.totp_last_step).where(Member.id == member_id))
    step = _matching_step(secret, last, code, now)
    if step is None:
        return False
    done = session.execute(
        update(Member)
        .where(Member.id == member_id, or_(Member.totp_last_step.is_(None), Member.totp_last_step < step))
        .values(totp_last_step=step)
        .execution_options(synchronize_session=False)
    )
    return int(done.rowcount or 0) == 1  # type: ignore[attr-defined]


def requires_totp(role: Role) -> bool:
    """Whether accounts of ``role`` must sign in with a TOTP second factor."""
    return role in TOTP_ROLES


@dataclass(frozen=True)
class LoginResult:
    """A new session. ``token`` is shown once; ``mfa_ok`` False means TOTP enrolment is still owed."""

    token: str
    member_id: int
    expires_at: datetime
    mfa_ok: bool


def _recent_failures(session: Session, key: str, since: datetime) -> tuple[int, datetime | None]:
    row = session.execute(
        select(func.count(), func.min(LoginAttempt.at)).where(
            LoginAttempt.email_key == key, LoginAttempt.success.is_(False), LoginAttempt.at > since
        )
    ).one()
    return int(row[0]), row[1]


@cache
def _dummy_hash() -> str:
    """An argon2id hash of a random secret: unknown e-mails are checked against it, so that a refusal takes
    the same time whether the address has an account or not (no enumeration by timing)."""
    return hash_password(secrets.token_urlsafe(24))


@dataclass(frozen=True)
class _Candidate:
    """What the sign-in needs of the member, read under the per-e-mail lock."""

    id: int
    password_hash: str | None
    status: MemberStatus
    role: Role
    totp_enabled: bool
    totp_secret: str | None


def _reserve_attempt(
    engine: Engine, email: str, key: str, now: datetime, window: timedelta, max_failures: int
) -> tuple[int, _Candidate | None]:
    """Count the recent failures and, below the limit, store this attempt as a failure, atomically per e-mail.

    The attempt counts before the password is checked (it becomes a success afterwards if it is one): with
    16 sign-ins at once, exactly ``max_failures`` get their password checked. Only the counting and the
    insert are serialised; the slow hash check runs outside the lock.
    """
    with serialised(engine, "login:" + key) as session:
        failures, oldest = _recent_failures(session, key, now - window)
        if failures >= max_failures:
            start = as_utc(oldest) if oldest else now
            wait = max(1, int((start + window - now).total_seconds() // 60) + 1)
            raise TooManyAttemptsError(
                f"Trop de tentatives de connexion pour ce compte : réessayez dans {wait} minute(s)."
            )
        attempt = LoginAttempt(email_key=key, at=now, success=False)
        session.add(attempt)
        session.flush()
        # Row-level security hides every member until the transaction is bound to this e-mail's commune.
        bind_scope_of(session, "email", normalize_email(email))
        row = session.execute(
            select(
                Member.id, Member.password_hash, Member.status, Member.role, Member.totp_enabled, Member.totp_secret
            ).where(Member.email == normalize_email(email))
        ).first()
        return attempt.id, _Candidate(*row) if row is not None else None


def login(
    engine: Engine,
    email: str,
    password: str,
    *,
    totp_code: str | None = None,
    now: datetime | None = None,
    session_hours: float = 12.0,
    max_failures: int = 5,
    window_minutes: float = 15.0,
) -> LoginResult:
    """Open a session for ``email`` / ``password`` (and the TOTP code when the account has one).

    Every attempt is stored; after ``max_failures`` failures within ``window_minutes`` further attempts are
    refused until the window has passed, whatever the password. The limit holds exactly under concurrent
    attempts, each TOTP code opens at most one session, and an unknown e-mail is refused after the same
    password-hash check as a known one.

    Raises
    ------
    TooManyAttemptsError, SecondFactorRequiredError, AuthenticationError
    """
    now = now or utcnow()
    key = email_key(email)
    attempt_id, member = _reserve_attempt(engine, email, key, now, timedelta(minutes=window_minutes), max_failures)
    # The same argon2 work whether the e-mail is known, unknown or has no password yet.
    stored = member.password_hash if member is not None and member.password_hash else None
    password_ok = verify_password(stored or _dummy_hash(), password) and stored is not None
    error: AuthenticationError | None = None
    result: LoginResult | None = None
    if member is None or not password_ok:
        error = AuthenticationError("E-mail ou mot de passe incorrect.")
    elif member.status in (MemberStatus.EXCLUDED, MemberStatus.DELETED):
        error = AuthenticationError("Ce compte est fermé.")
    elif member.totp_enabled and member.totp_secret and not totp_code:
        error = SecondFactorRequiredError("Saisissez le code à 6 chiffres de votre application d'authentification.")
    if error is not None:
        raise error
    assert member is not None
    with transaction(engine) as session:
        # Row-level security hides every member until the transaction is bound to this e-mail's commune.
        bind_scope_of(session, "email", normalize_email(email))
        totp_on = member.totp_enabled and member.totp_secret
        if totp_on and not _accept_totp(session, member.id, member.totp_secret, totp_code, now):
            error = AuthenticationError("Code d'authentification incorrect (ou déjà utilisé).")
        if error is None:
            token = secrets.token_urlsafe(32)
            mfa_ok = member.totp_enabled or not requires_totp(member.role)
            expires = now + timedelta(hours=session_hours)
            session.add(
                AuthSession(
                    member_id=member.id, token_hash=token_hash(token), created_at=now, expires_at=expires, mfa_ok=mfa_ok
                )
            )
            # The attempt stored as a failure before the check becomes a success.
            session.execute(update(LoginAttempt).where(LoginAttempt.id == attempt_id).values(success=True))
            result = LoginResult(token, member.id, expires, mfa_ok)
    if error is not None:
        raise error
    assert result is not None
    return result


def authenticate(session: Session, token: str, *, now: datetime | None = None, require_mfa: bool = True) -> Member:
    """The member behind a session token.

    Raises
    ------
    AuthenticationError
        Unknown, revoked or expired session, or (``require_mfa``) a staff session still owing TOTP enrolment.
    """
    now = now or utcnow()
    bind_scope_of(session, "session", token_hash(token or ""))
    row = session.scalar(select(AuthSession).where(AuthSession.token_hash == token_hash(token or "")))
    if row is None:
        raise AuthenticationError("Session inconnue : reconnectez-vous.")
    if row.revoked_at is not None:
        raise AuthenticationError("Session révoquée : reconnectez-vous.")
    if as_utc(row.expires_at) <= now:
        raise AuthenticationError("Session expirée : reconnectez-vous.")
    if require_mfa and not row.mfa_ok:
        raise AuthenticationError("Ce compte doit activer la double authentification (TOTP) avant de continuer.")
    member = session.get(Member, row.member_id)
    if member is None or member.status in (MemberStatus.EXCLUDED, MemberStatus.DELETED):
        raise AuthenticationError("Ce compte est fermé.")
    return member


def logout(session: Session, token: str, *, now: datetime | None = None) -> None:
    """Revoke one session (server side: the token stops working everywhere)."""
    bind_scope_of(session, "session", token_hash(token or ""))
    session.execute(
        update(AuthSession)
        .where(AuthSession.token_hash == token_hash(token), AuthSession.revoked_at.is_(None))
        .values(revoked_at=now or utcnow())
    )


def revoke_sessions(
    session: Session, member: Member, *, actor: Actor | None = None, now: datetime | None = None
) -> int:
    """Revoke every open session of ``member``; returns how many."""
    done = session.execute(
        update(AuthSession)
        .where(AuthSession.member_id == member.id, AuthSession.revoked_at.is_(None))
        .values(revoked_at=now or utcnow())
    )
    count = int(done.rowcount or 0)  # type: ignore[attr-defined]
    if count:
        record(session, actor, "changed", "member", member.id, commune_id=member.commune_id, sessions_revoked=count)
    return count


# ---------------------------------------------------------------------- passwords and invitations
def set_password(session: Session, member: Member, password: str, *, now: datetime | None = None) -> None:
    """Check and store a new password; other sessions are revoked."""
    check_password(password, email=member.email or "", name=member.name)
    member.password_hash = hash_password(password)
    member.updated_at = now or utcnow()
    revoke_sessions(session, member, now=now)
    record(session, None, "changed", "member", member.id, commune_id=member.commune_id, field="password")


def issue_invitation(member: Member, *, now: datetime | None = None, days: float = 14.0) -> str:
    """A one-time token letting ``member`` choose their password (returned once, stored hashed)."""
    token = secrets.token_urlsafe(24)
    member.invitation_hash = token_hash(token)
    member.invitation_expires_at = (now or utcnow()) + timedelta(days=days)
    return token


def accept_invitation(session: Session, token: str, password: str, *, now: datetime | None = None) -> Member:
    """Set the password of the member invited with ``token``; the token then stops working."""
    now = now or utcnow()
    bind_scope_of(session, "invitation", token_hash(token or ""))
    member = session.scalar(select(Member).where(Member.invitation_hash == token_hash(token or "")))
    if member is None:
        raise AuthenticationError("Invitation inconnue ou déjà utilisée.")
    if member.invitation_expires_at is None or as_utc(member.invitation_expires_at) <= now:
        raise AuthenticationError("Invitation expirée : demandez-en une nouvelle à la mairie.")
    set_password(session, member, password, now=now)
    member.invitation_hash = None
    member.invitation_expires_at = None
    return member


# ---------------------------------------------------------------------- TOTP
def start_totp(member: Member) -> str:
    """Create a TOTP secret for ``member`` and return its ``otpauth://`` URI (shown as a QR code)."""
    member.totp_secret = pyotp.random_base32()
    member.totp_enabled = False
    member.totp_last_step = None
    return pyotp.TOTP(member.totp_secret).provisioning_uri(name=member.email or str(member.id), issuer_name=TOTP_ISSUER)


def confirm_totp(session: Session, member: Member, code: str, *, now: datetime | None = None) -> None:
    """Turn TOTP on once the member proves their app gives the right code; their sessions become complete."""
    now = now or utcnow()
    if not member.totp_secret:
        raise InputError("Commencez par générer le code QR de double authentification.", field="totp")
    if not _accept_totp(session, member.id, member.totp_secret, code, now):
        raise AuthenticationError("Code d'authentification incorrect : vérifiez l'heure de votre téléphone.")
    session.refresh(member, ["totp_last_step"])
    member.totp_enabled = True
    session.execute(
        update(AuthSession)
        .where(AuthSession.member_id == member.id, AuthSession.revoked_at.is_(None))
        .values(mfa_ok=True)
    )
    record(session, None, "changed", "member", member.id, commune_id=member.commune_id, field="totp")
