"""Passwords (CNIL 2022), sessions (expiry, revocation), rate-limited login, TOTP, invitations."""

from __future__ import annotations

from datetime import timedelta

import pyotp
import pytest
from members_support import BAN_FILE, GOOD_PASSWORD, add_resident, add_staff, bind_world, build_world, world_member
from sqlalchemy import func, select

from community import (
    Actor,
    AuthenticationError,
    SecondFactorRequiredError,
    TooManyAttemptsError,
    WeakPasswordError,
    accept_invitation,
    authenticate,
    check_password,
    confirm_totp,
    entropy_bits,
    get_commune,
    login,
    logout,
    register_member,
    revoke_sessions,
    start_totp,
    verify_password,
)
from store import make_engine, transaction
from store.schema import AuthSession, LoginAttempt, Role, utcnow


# ---------------------------------------------------------------------- passwords (no database)
@pytest.mark.parametrize(
    "password",
    [
        "Tr0mbone!Vert",  # 13 chars, 4 classes
        "Abcdefgh1234Xy",  # 14 chars, 3 classes
        "le chat de la voisine dort sur le muret",  # passphrase, 9 words
        "x7k2m9q4w8z3p6r1t5",  # 18 chars, 2 classes: 93 bits
    ],
)
def test_strong_passwords_accepted(password):
    check_password(password)


@pytest.mark.parametrize(
    ("password", "why"),
    [
        ("Court1!", "12 caractères"),
        ("abcdefghijkl", "12 caractères"),  # 12 lower case letters: 56 bits
        ("Abcdefgh1234", "12 caractères"),  # 12 chars but 3 classes only
        ("Aa1!Aa1!Aa1!Aa1!", "répétés"),
        ("alice.martin-2026-Xy!", "e-mail"),
        ("x" * 129, "128 caractères"),
    ],
)
def test_weak_passwords_refused_with_reason(password, why):
    with pytest.raises(WeakPasswordError, match="CNIL") as info:
        check_password(password, email="alice.martin@example.fr")
    assert any(why in p for p in info.value.problems)


def test_entropy_follows_the_cnil_formula():
    assert entropy_bits("abcdefghij") == pytest.approx(10 * 4.7004, rel=1e-3)
    assert entropy_bits("") == 0


# ---------------------------------------------------------------------- sessions
@pytest.fixture
def world(engine, shared_file):
    build_world(engine, shared_file(BAN_FILE))
    return engine


def test_login_session_expiry_and_revocation(world):
    member_id = add_resident(world, "alice@example.fr", "32 rue Gérard")
    now = utcnow()
    result = login(world, "ALICE@example.fr", GOOD_PASSWORD, now=now, session_hours=12)
    assert result.member_id == member_id and result.mfa_ok
    with transaction(world) as session:
        assert authenticate(session, result.token, now=now + timedelta(hours=1)).id == member_id
        with pytest.raises(AuthenticationError, match="Session expirée"):
            authenticate(session, result.token, now=now + timedelta(hours=13))
        with pytest.raises(AuthenticationError, match="Session inconnue"):
            authenticate(session, "forged-token", now=now)
    with transaction(world) as session:
        logout(session, result.token)
    with transaction(world) as session, pytest.raises(AuthenticationError, match="Session révoquée"):
        authenticate(session, result.token, now=now)
    # server-side revocation of every session of a member
    tokens = [login(world, "alice@example.fr", GOOD_PASSWORD).token for _ in range(2)]
    with transaction(world) as session:
        assert revoke_sessions(session, world_member(session, member_id), actor=Actor.operator()) == 2
    for token in tokens:
        with transaction(world) as session, pytest.raises(AuthenticationError, match="révoquée"):
            authenticate(session, token)


def test_wrong_password_and_unknown_email_give_the_same_answer(world):
    add_resident(world, "alice@example.fr", "32 rue Gérard")
    for email, password in (("alice@example.fr", "Mauvais-Mot-2026!"), ("nobody@example.fr", GOOD_PASSWORD)):
        with pytest.raises(AuthenticationError, match="E-mail ou mot de passe incorrect"):
            login(world, email, password)


def test_login_attempts_are_rate_limited_across_processes(world, db_url):
    add_resident(world, "alice@example.fr", "32 rue Gérard")
    now = utcnow()
    for _ in range(5):
        with pytest.raises(AuthenticationError, match="incorrect"):
            login(world, "alice@example.fr", "Mauvais-Mot-2026!", now=now, max_failures=5, window_minutes=15)
    other_process = make_engine(db_url)  # a second engine: the count lives in the database, not in memory
    try:
        with pytest.raises(TooManyAttemptsError, match="réessayez dans"):
            login(other_process, "alice@example.fr", GOOD_PASSWORD, now=now + timedelta(minutes=1))
        assert login(other_process, "alice@example.fr", GOOD_PASSWORD, now=now + timedelta(minutes=16)).token
    finally:
        other_process.dispose()
    with transaction(world) as session:
        keys = session.scalars(select(LoginAttempt.email_key)).all()
        assert len(keys) == 6 and all("alice" not in k for k in keys)  # no e-mail stored in clear
        assert session.scalar(select(func.count()).select_from(LoginAttempt).where(LoginAttempt.success)) == 1


@pytest.mark.parametrize("role", [Role.MAIRIE_AGENT, Role.MAIRIE_ADMIN, Role.GENDARMERIE])
def test_staff_must_enrol_and_use_totp(world, role):
    member_id = add_staff(world, "staff@example.fr", role)
    now = utcnow()
    first = login(world, "staff@example.fr", GOOD_PASSWORD, now=now)
    assert not first.mfa_ok
    with transaction(world) as session:
        with pytest.raises(AuthenticationError, match="double authentification"):
            authenticate(session, first.token, now=now)
        assert authenticate(session, first.token, now=now, require_mfa=False).id == member_id
        member = world_member(session, member_id)
        uri = start_totp(member)
        assert uri.startswith("otpauth://totp/") and "Voisinage" in uri
        with pytest.raises(AuthenticationError, match="incorrect"):
            confirm_totp(session, member, "000000" if pyotp.TOTP(member.totp_secret).now() != "000000" else "111111")
        confirm_totp(session, member, pyotp.TOTP(member.totp_secret).at(now), now=now)
        secret = member.totp_secret
    with transaction(world) as session:
        assert authenticate(session, first.token, now=now).id == member_id  # the session is complete now
    with pytest.raises(SecondFactorRequiredError):
        login(world, "staff@example.fr", GOOD_PASSWORD, now=now)
    with pytest.raises(AuthenticationError, match="Code d'authentification incorrect"):
        login(world, "staff@example.fr", GOOD_PASSWORD, now=now, totp_code="12345")
    with pytest.raises(AuthenticationError, match="déjà utilisé"):  # the code used to enrol cannot be replayed
        login(world, "staff@example.fr", GOOD_PASSWORD, now=now, totp_code=pyotp.TOTP(secret).at(now))
    later = now + timedelta(seconds=30)
    code = pyotp.TOTP(secret).at(later)
    ok = login(world, "staff@example.fr", GOOD_PASSWORD, now=later, totp_code=code)
    assert ok.mfa_ok
    with pytest.raises(AuthenticationError, match="déjà utilisé"):
        login(world, "staff@example.fr", GOOD_PASSWORD, now=later + timedelta(seconds=5), totp_code=code)


def test_referent_needs_totp_too(world):
    from community import assign_referent

    member_id = add_resident(world, "ref@example.fr", "33 rue Gérard")
    assert login(world, "ref@example.fr", GOOD_PASSWORD).mfa_ok
    with transaction(world) as session:
        commune = get_commune(session, "75113")
        assign_referent(session, Actor.operator(), commune, "S1", world_member(session, member_id))
    assert not login(world, "ref@example.fr", GOOD_PASSWORD).mfa_ok


def test_invitation_lets_a_member_choose_a_password_once(world):
    now = utcnow()
    with transaction(world) as session:
        reg = register_member(
            session,
            Actor.operator(),
            get_commune(session, "75113"),
            email="paper@example.fr",
            name="Mme Papier",
            address="35 rue Gérard",
            channel="operator",
            now=now,
        )
        token = reg.invitation_token
    assert token
    with pytest.raises(AuthenticationError):
        login(world, "paper@example.fr", "")
    with transaction(world) as session, pytest.raises(WeakPasswordError):
        accept_invitation(session, token, "faible", now=now)
    with transaction(world) as session, pytest.raises(AuthenticationError, match="expirée"):
        accept_invitation(session, token, GOOD_PASSWORD, now=now + timedelta(days=15))
    with transaction(world) as session:
        member = accept_invitation(session, token, GOOD_PASSWORD, now=now)
        assert verify_password(member.password_hash, GOOD_PASSWORD)
    with transaction(world) as session, pytest.raises(AuthenticationError, match="déjà utilisée"):
        accept_invitation(session, token, GOOD_PASSWORD, now=now)
    assert login(world, "paper@example.fr", GOOD_PASSWORD).token


# ---------------------------------------------------------------------- concurrency and timing
def _at_once(n: int, call):
    """Run ``call(i)`` in ``n`` real threads released together; the outcomes (result or exception) in order."""
    from concurrent.futures import ThreadPoolExecutor
    from threading import Barrier

    start = Barrier(n)

    def run(i: int):
        start.wait()
        try:
            return call(i)
        except Exception as exc:  # the outcome is what the test inspects
            return exc

    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(run, range(n)))


def _counting_checks(monkeypatch):
    """Count the password-hash checks login makes (the real argon2 check still runs), with the hash used."""
    import threading

    import community._accounts as accounts

    real, seen, lock = accounts.verify_password, [], threading.Lock()

    def counted(password_hash, password):
        with lock:
            seen.append(password_hash)
        return real(password_hash, password)

    monkeypatch.setattr(accounts, "verify_password", counted)
    return seen


def _enrolled_staff(world, now):
    member_id = add_staff(world, "staff@example.fr", Role.MAIRIE_AGENT)
    with transaction(world) as session:
        member = world_member(session, member_id)
        start_totp(member)
        member.totp_enabled = True
        return member.totp_secret


def test_one_totp_code_opens_one_session_when_sign_ins_race(world):
    """Four sign-ins at once with the same valid code: exactly one session (the code is single use)."""
    now = utcnow()
    code = pyotp.TOTP(_enrolled_staff(world, now)).at(now)
    outcomes = _at_once(4, lambda _: login(world, "staff@example.fr", GOOD_PASSWORD, now=now, totp_code=code))
    accepted = [o for o in outcomes if not isinstance(o, Exception)]
    refused = [o for o in outcomes if isinstance(o, Exception)]
    assert len(accepted) == 1 and accepted[0].mfa_ok
    assert len(refused) == 3 and all(
        isinstance(o, AuthenticationError) and "déjà utilisé" in o.message for o in refused
    )
    with transaction(world) as session:
        bind_world(session)  # sessions are seen through their member's commune
        assert session.scalar(select(func.count()).select_from(AuthSession)) == 1
        assert session.scalar(select(func.count()).select_from(LoginAttempt).where(LoginAttempt.success)) == 1


def test_the_failure_limit_is_exact_when_wrong_passwords_race(world, monkeypatch):
    """Sixteen wrong passwords at once against a limit of five: exactly five passwords are checked."""
    add_resident(world, "alice@example.fr", "32 rue Gérard")
    checks = _counting_checks(monkeypatch)
    now = utcnow()
    outcomes = _at_once(
        16, lambda _: login(world, "alice@example.fr", "Mauvais-Mot-2026!", now=now, max_failures=5, window_minutes=15)
    )
    assert len(checks) == 5
    assert sum(isinstance(o, TooManyAttemptsError) for o in outcomes) == 11
    wrong = [o for o in outcomes if isinstance(o, AuthenticationError) and not isinstance(o, TooManyAttemptsError)]
    assert len(wrong) == 5 and all("incorrect" in o.message for o in wrong)
    with transaction(world) as session:
        assert session.scalar(select(func.count()).select_from(LoginAttempt)) == 5
    # The right password is refused too until the window has passed (the limit is per e-mail, whatever the guess).
    with pytest.raises(TooManyAttemptsError):
        login(world, "alice@example.fr", GOOD_PASSWORD, now=now + timedelta(minutes=1))


def test_unknown_and_known_emails_cost_the_same_password_check(world, monkeypatch):
    """No enumeration by timing: a refusal runs one argon2id check whether the e-mail has an account, has
    no password yet, or is unknown (the unknown one against a dummy hash). The times are in bench/."""
    add_resident(world, "alice@example.fr", "32 rue Gérard")
    add_resident(world, "paper@example.fr", "33 rue Gérard", password=None)
    checks = _counting_checks(monkeypatch)
    for email in ("alice@example.fr", "nobody@example.fr", "paper@example.fr"):
        with pytest.raises(AuthenticationError, match="E-mail ou mot de passe incorrect"):
            login(world, email, "Mauvais-Mot-2026!")
    assert len(checks) == 3
    assert all(h and h.startswith("$argon2id$") and "m=65536,t=3" in h for h in checks)
