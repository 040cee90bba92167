"""Accounts under concurrency and timing, on both backends (issue 10, item 7).

- Four sign-ins at once with one valid TOTP code: how many sessions open (must be 1).
- Sixteen wrong passwords at once against a limit of 5: how many passwords are checked (must be 5).
- The time to refuse a wrong password for a known e-mail and for an unknown one (median of alternating
  tries): the ratio must be close to 1 (no enumeration by timing). Baseline: one argon2id check alone.
"""

from __future__ import annotations

import contextlib
import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pyotp
import shapely
from sqlalchemy import Engine, text

import community._accounts as accounts
from bench._harness import BenchContext, own_postgis_database
from community import AuthenticationError, hash_password, login, verify_password
from sectors import register_commune
from store import make_engine, transaction, upgrade
from store.schema import utcnow

PASSWORD = "Tr0mbone!Vert-2026"
WRONG = "Mauvais-Mot-2026!"


def _setup(engine: Engine) -> str:
    """A commune, a resident and a TOTP-enrolled mairie agent; returns the agent's TOTP secret."""
    upgrade(engine)
    secret = pyotp.random_base32()
    with transaction(engine) as session:
        commune = register_commune(session, "91095", "Bouray-sur-Juine", shapely.box(2.28, 48.50, 2.32, 48.53))
        for email, role, totp in (("alice@bench.fr", "resident", None), ("staff@bench.fr", "mairie_agent", secret)):
            session.execute(
                text(
                    "INSERT INTO members (commune_id, email, name, role, status, registered_via, password_hash, "
                    "totp_enabled, totp_secret, address_label, created_at, updated_at) VALUES (:c, :e, 'Membre', "
                    ":r, 'verified', 'operator', :h, :t, :s, '', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                ),
                {
                    "c": commune.id,
                    "e": email,
                    "r": role,
                    "h": hash_password(PASSWORD),
                    "t": totp is not None,
                    "s": totp,
                },
            )
    return secret


def _at_once(n: int, call: Callable[[int], object]) -> list[object]:
    start = threading.Barrier(n)

    def run(i: int) -> object:
        start.wait()
        try:
            return call(i)
        except AuthenticationError as exc:
            return exc

    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(run, range(n)))


def _clear_attempts(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM login_attempts"))


def _bench_backend(ctx: BenchContext, engine: Engine, label: str) -> None:
    secret = _setup(engine)
    now = utcnow()
    code = pyotp.TOTP(secret).at(now)
    outcomes = _at_once(4, lambda _: login(engine, "staff@bench.fr", PASSWORD, totp_code=code, now=now))
    accepted = sum(not isinstance(o, Exception) for o in outcomes)
    ctx.report(f"{label}: 4 parallel sign-ins, one TOTP code: sessions opened", accepted, "", target="1")

    _clear_attempts(engine)
    checks: list[str] = []
    lock = threading.Lock()

    def counted(password_hash: str | None, password: str) -> bool:
        with lock:
            checks.append(password_hash or "")
        return verify_password(password_hash, password)

    accounts.verify_password = counted
    try:
        _at_once(16, lambda _: login(engine, "alice@bench.fr", WRONG, now=utcnow(), max_failures=5))
    finally:
        accounts.verify_password = verify_password
    ctx.report(f"{label}: 16 parallel wrong passwords, limit 5: passwords checked", len(checks), "", target="5")

    n = 6 if ctx.quick else 12
    known: list[float] = []
    unknown: list[float] = []
    for i in range(n):
        _clear_attempts(engine)  # stay under the limit: only the refusal itself is timed
        for email, into in (("alice@bench.fr", known), (f"nobody{i}@bench.fr", unknown)):
            start = time.perf_counter()
            with contextlib.suppress(AuthenticationError):
                login(engine, email, WRONG)
            into.append(time.perf_counter() - start)
    stored = hash_password(PASSWORD)
    base = statistics.median(_timed(lambda: verify_password(stored, WRONG)) for _ in range(n))
    k, u = statistics.median(known) * 1e3, statistics.median(unknown) * 1e3
    ctx.report(f"{label}: refusal, known e-mail (median)", k, "ms", baseline=base * 1e3,
               baseline_name="one argon2id check", higher_is_better=False)  # fmt: skip
    ctx.report(f"{label}: refusal, unknown e-mail (median)", u, "ms", baseline=k, baseline_name="known e-mail",
               higher_is_better=False, target="x1 (same time)")  # fmt: skip


def _timed(func: Callable[[], object]) -> float:
    start = time.perf_counter()
    func()
    return time.perf_counter() - start


def run(ctx: BenchContext) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'accounts.sqlite3'}")
        _bench_backend(ctx, engine, "embedded")
        engine.dispose()
    if not ctx.postgis_url:
        print("PostGIS: pas de base, mesure sautée")
        return
    engine = make_engine(own_postgis_database(ctx.postgis_url, "voisinage_bench_accounts"))
    _bench_backend(ctx, engine, "PostGIS")
    engine.dispose()
