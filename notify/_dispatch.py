"""The dispatcher: claims due outbox rows, sends them, records the outcome.

- Claiming is one ``UPDATE … WHERE id IN (SELECT … LIMIT n [FOR UPDATE SKIP LOCKED])``: on PostGIS concurrent
  dispatchers skip each other's rows; on SQLite the statement runs under the database's single write lock. A
  claimed row carries a lease, renewed while its batch is being sent: if its dispatcher dies, the row is
  claimed again after the lease and sent again with the same Message-ID (only messages in flight at the crash
  can repeat). The lease must stay longer than one send can take (the SMTP timeout).
- Sent rows are marked in small groups (25 rows or half a second, one short transaction), so a crash repeats
  at most that group.
- Failures are retried with exponential backoff and jitter; after ``max_attempts`` the row is a dead letter with
  its reason. Permanent refusals go dead at once.
- Each commune is handled in transactions bound to it (row-level security on PostGIS).
- The staging switch sends nothing and logs what would have gone.
"""

from __future__ import annotations

import contextlib
import logging
import random
import select as selectors
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, and_, func, or_, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from notify._config import NotifyConfig
from notify._email import PermanentError, SmtpChannel, render
from notify._outbox import CHANNEL, Draft, Recipient, enqueue, load_prefs
from notify._prefs import PARIS
from notify._secrets import SealError, unseal, unsubscribe_token
from notify._sms import SmsChannel
from store import bind_commune, is_postgis, transaction
from store.schema import Commune, Member, MemberStatus, OutboxMessage, Role

log = logging.getLogger("voisinage.notify")
O = OutboxMessage  # noqa: E741 - short alias for the many column references


MARK_EVERY = 25  # sent rows marked together (fewer transactions; a crash repeats at most these)
MARK_SECONDS = 0.5


def backoff(attempt: int, base: float, cap: float, rng: random.Random) -> float:
    """Seconds to wait after the ``attempt``-th failed try: doubling from ``base`` up to ``cap``, with jitter
    (uniform in the upper half, so that dispatchers that failed together do not retry together)."""
    delay = min(cap, base * 2 ** max(attempt - 1, 0))
    return delay / 2 + rng.uniform(0, delay / 2)


@dataclass
class DispatchReport:
    """What one pass did."""

    sent: Counter = field(default_factory=Counter)
    retried: int = 0
    dead: int = 0
    skipped: int = 0

    @property
    def total_sent(self) -> int:
        return sum(self.sent.values())


@dataclass(frozen=True)
class _Row:
    id: int
    commune_id: int
    member_id: int | None
    dedup_key: str
    channel: str
    kind: str
    recipient: str
    subject: str
    body: str
    link: str
    attempts: int


_COLUMNS = (
    O.id, O.commune_id, O.member_id, O.dedup_key, O.channel, O.kind, O.recipient, O.subject, O.body, O.link, O.attempts
)  # fmt: skip


def _month_start(now: datetime) -> datetime:
    local = now.astimezone(PARIS)
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0).astimezone(UTC)


class Dispatcher:
    """Sends what the outbox holds. One instance per process; several processes may run at once."""

    def __init__(self, engine: Engine, config: NotifyConfig, *, rng: random.Random | None = None) -> None:
        self.engine = engine
        self.config = config
        self.rng = rng or random.Random()
        self.sms = SmsChannel(config)  # httpx's client is thread-safe: one for every worker
        # Each sending thread keeps its own SMTP connection (smtplib is not thread-safe).
        self._local = threading.local()
        self._smtp: list[SmtpChannel] = []
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max(config.workers, 1), thread_name_prefix="voisinage-send")

    @property
    def email(self) -> SmtpChannel:
        """This thread's SMTP connection."""
        channel = getattr(self._local, "smtp", None)
        if channel is None:
            channel = self._local.smtp = SmtpChannel(self.config)
            with self._lock:
                self._smtp.append(channel)
        return channel

    def close(self) -> None:
        """Close every connection and stop the sending threads."""
        with self._lock:
            for channel in self._smtp:
                channel.close()
        self._pool.shutdown(wait=True)
        self.sms.close()

    # ------------------------------------------------------------ claiming and marking
    def _session(self, commune_id: int) -> Any:
        return _Bound(self.engine, commune_id)

    def claim(self, commune_id: int, now: datetime) -> list[_Row]:
        """Claim up to ``batch`` due rows of ``commune_id`` (pending and due, or whose lease ran out)."""
        due = or_(
            and_(O.status == "pending", O.next_attempt_at <= now),
            and_(O.status == "sending", O.lease_until < now),
        )
        chosen = (
            select(O.id)
            .where(O.commune_id == commune_id, O.channel.in_(["email", "sms"]), due)
            .order_by(O.id)
            .limit(self.config.batch)
        )
        if is_postgis(self.engine):
            chosen = chosen.with_for_update(skip_locked=True)
        statement = (
            update(O)
            .where(O.id.in_(chosen.scalar_subquery()))
            .values(status="sending", lease_until=now + timedelta(seconds=self.config.lease_seconds),
                    attempts=O.attempts + 1)
            .returning(*_COLUMNS)
        )  # fmt: skip
        with self._session(commune_id) as session:
            rows = [_Row(*r) for r in session.execute(statement).all()]
        return sorted(rows, key=lambda r: r.id)

    def _mark(self, row: _Row, status: str, now: datetime, error: str = "", retry_at: datetime | None = None) -> None:
        values: dict[str, Any] = {"status": status, "lease_until": None, "last_error": error[:500]}
        if status == "sent":
            values["sent_at"] = now
        if retry_at is not None:
            values["next_attempt_at"] = retry_at
        with self._session(row.commune_id) as session:
            session.execute(update(O).where(O.id == row.id, O.status == "sending").values(**values))

    # ------------------------------------------------------------ sending
    def _attempt(self, row: _Row) -> Exception | None:
        """Send ``row`` (in a sending thread); the failure, if any."""
        try:
            self._send(row)
        except SealError as exc:
            return PermanentError(str(exc))
        except Exception as exc:
            return exc
        return None

    def _send(self, row: _Row) -> None:
        if self.config.staging:
            log.info("staging: %s to %s not sent: %s", row.channel, row.recipient, row.subject or row.body[:80])
            return
        body = unseal(self.config.secret, row.body)  # account codes are stored sealed (see notify._secrets)
        if row.channel == "email":
            token = None
            if row.member_id is not None:
                token = unsubscribe_token(self.config.secret, row.commune_id, row.member_id)
            mail = render(row.id, row.dedup_key, row.recipient, row.subject, body, row.link, self.config, token)
            self.email.send(mail, row.recipient)
        else:
            self.sms.send(row.recipient, body, str(row.id))

    def _sms_budget_left(self, commune_id: int, now: datetime) -> int:
        with self._session(commune_id) as session:
            used = session.scalar(
                select(func.count()).where(
                    O.commune_id == commune_id,
                    O.channel == "sms",
                    O.status == "sent",
                    O.sent_at >= _month_start(now),
                )
            )
        return self.config.sms_monthly_budget - int(used or 0)

    def _tell_mairie_budget(self, commune_id: int, now: datetime) -> None:
        month = now.astimezone(PARIS).strftime("%Y-%m")
        with self._session(commune_id) as session:
            staff = session.scalars(
                select(Member).where(
                    Member.commune_id == commune_id,
                    Member.role.in_([Role.MAIRIE_AGENT, Role.MAIRIE_ADMIN]),
                    Member.status == MemberStatus.VERIFIED,
                )
            ).all()
            prefs = load_prefs(session, [m.id for m in staff])
            text = (
                f"Le budget mensuel de SMS de la commune ({self.config.sms_monthly_budget} SMS) est épuisé : plus "
                "aucun SMS ne part ce mois-ci. Les messages continuent par courriel et dans l'application."
            )
            draft = Draft("sms_budget", f"budget:{commune_id}:{month}", "[Voisinage] Budget SMS épuisé", text,
                          self.config.public_url)  # fmt: skip
            enqueue(session, commune_id, draft, [Recipient(m.id, m.email, prefs[m.id]) for m in staff], now)

    def _renew(self, rows: list[_Row], now: datetime) -> None:
        """Extend the lease of rows still held (a slow batch must not be claimed again by another dispatcher)."""
        until = now + timedelta(seconds=self.config.lease_seconds)
        for commune_id in {r.commune_id for r in rows}:
            ids = [r.id for r in rows if r.commune_id == commune_id]
            with self._session(commune_id) as session:
                session.execute(update(O).where(O.id.in_(ids), O.status == "sending").values(lease_until=until))

    def _deliver(self, rows: list[_Row], report: DispatchReport, now_fn: Any) -> None:
        budget: dict[int, int] = {}
        chosen: list[_Row] = []
        for row in rows:  # the SMS budget first, in order
            if row.channel == "sms":
                if row.commune_id not in budget:
                    budget[row.commune_id] = self._sms_budget_left(row.commune_id, now_fn())
                if budget[row.commune_id] <= 0:
                    self._mark(row, "skipped", now_fn(), "budget mensuel de SMS épuisé")
                    self._tell_mairie_budget(row.commune_id, now_fn())
                    report.skipped += 1
                    continue
                budget[row.commune_id] -= 1
            chosen.append(row)
        renewed = flushed = time.monotonic()
        sent: list[_Row] = []
        # Several sending threads (config.workers); outcomes are recorded here, in claim order.
        for i, (row, failure) in enumerate(zip(chosen, self._pool.map(self._attempt, chosen), strict=True)):
            now = now_fn()
            if time.monotonic() - renewed > self.config.lease_seconds / 3:
                self._renew(chosen[i:], now)
                renewed = time.monotonic()
            if isinstance(failure, PermanentError):
                self._mark(row, "dead", now, str(failure))
                report.dead += 1
                log.warning("outbox %s dead: %s", row.id, failure)
            elif failure is not None:
                reason = f"{type(failure).__name__}: {failure}"
                if row.attempts >= self.config.max_attempts:
                    self._mark(row, "dead", now, f"après {row.attempts} essais : {reason}")
                    report.dead += 1
                else:
                    wait = backoff(row.attempts, self.config.backoff_seconds, self.config.backoff_max_seconds, self.rng)
                    self._mark(row, "pending", now, reason, retry_at=now + timedelta(seconds=wait))
                    report.retried += 1
            else:
                sent.append(row)
                report.sent[row.channel] += 1
            if len(sent) >= MARK_EVERY or time.monotonic() - flushed > MARK_SECONDS:
                self._mark_sent(sent, now_fn())
                sent, flushed = [], time.monotonic()
        self._mark_sent(sent, now_fn())

    def _mark_sent(self, rows: list[_Row], now: datetime) -> None:
        """Mark ``rows`` sent, one transaction per commune (a crash before it repeats at most these rows)."""
        note = "staging : non envoyé" if self.config.staging else ""
        for commune_id in {r.commune_id for r in rows}:
            ids = [r.id for r in rows if r.commune_id == commune_id]
            with self._session(commune_id) as session:
                session.execute(
                    update(O)
                    .where(O.id.in_(ids), O.status == "sending")
                    .values(status="sent", sent_at=now, lease_until=None, last_error=note)
                )

    # ------------------------------------------------------------ digest
    def build_digests(self, commune_id: int, now: datetime) -> int:
        """Gather the solidarity posts waiting for each member's daily digest into one e-mail each (once the
        digest hour has passed); returns the number of digests written."""
        local = now.astimezone(PARIS)
        moment = local.replace(hour=self.config.digest_hour, minute=0, second=0, microsecond=0)
        if local < moment:
            return 0
        written = 0
        with self._session(commune_id) as session:
            rows = session.scalars(
                select(O)
                .where(O.commune_id == commune_id, O.status == "digest", O.created_at <= moment.astimezone(UTC))
                .order_by(O.member_id, O.id)
                .with_for_update(skip_locked=True)
            ).all()
            by_member: dict[int, list[OutboxMessage]] = {}
            for r in rows:
                by_member.setdefault(r.member_id or 0, []).append(r)
            day = local.strftime("%Y-%m-%d")
            for member_id, items in by_member.items():
                body = "\n\n———\n\n".join(f"{i.subject}\n\n{i.body}" for i in items)
                session.add(
                    O(
                        commune_id=commune_id,
                        dedup_key=f"digest:{member_id}:{day}:{items[-1].id}",
                        member_id=member_id or None,
                        channel="email",
                        kind="digest",
                        recipient=items[0].recipient,
                        subject=f"[Voisinage] Entraide : {len(items)} message(s) du jour",
                        body=body,
                        link=self.config.public_url,
                        status="pending",
                        next_attempt_at=now,
                        created_at=now,
                    )
                )
                for i in items:
                    i.status = "digested"
                written += 1
        return written

    # ------------------------------------------------------------ passes
    def communes(self) -> list[int]:
        with transaction(self.engine) as session:
            return list(session.scalars(select(Commune.id).order_by(Commune.id)))

    def run_once(self, now_fn: Any = None) -> DispatchReport:
        """Send everything due now, commune by commune, until nothing is left."""
        now_fn = now_fn or (lambda: datetime.now(UTC))
        report = DispatchReport()
        for commune_id in self.communes():
            self.build_digests(commune_id, now_fn())
            while rows := self.claim(commune_id, now_fn()):
                self._deliver(rows, report, now_fn)
        return report

    def run(self, stop: threading.Event | None = None) -> None:
        """Run until ``stop`` is set: a pass, then wait for a NOTIFY (PostGIS) or the poll interval.

        The database going away (a restart, a failover) does not stop it: the pass is abandoned, the
        dispatcher waits (doubling up to 30 s) and starts again; rows it had claimed are claimed again once
        their lease runs out (sent again with the same Message-ID when they had left).
        """
        stop = stop or threading.Event()
        listener: _Listener | None = None
        failures = 0
        try:
            while not stop.is_set():
                try:
                    if listener is None and is_postgis(self.engine):
                        listener = _Listener(self.engine)
                    report = self.run_once()
                except SQLAlchemyError as exc:  # DBAPIError, or the session's pending rollback after one
                    failures += 1
                    log.warning(
                        "dispatch: base de données injoignable (%s) ; nouvel essai", exc, exc_info=failures == 1
                    )
                    if listener is not None:
                        listener.close()
                        listener = None
                    stop.wait(min(self.config.poll_seconds * 2**failures, 30.0))
                    continue
                failures = 0
                if report.total_sent or report.dead or report.retried:
                    log.info("dispatch: %s sent, %s retried, %s dead", dict(report.sent), report.retried, report.dead)
                if listener is None:
                    stop.wait(self.config.poll_seconds)
                elif not listener.wait(self.config.poll_seconds):
                    listener.close()  # its connection died: a new one on the next pass
                    listener = None
        finally:
            if listener is not None:
                listener.close()
            self.close()


class _Bound:
    """A transaction bound to one commune (context manager)."""

    def __init__(self, engine: Engine, commune_id: int) -> None:
        self._cm = transaction(engine)
        self._commune_id = commune_id

    def __enter__(self) -> Session:
        session = self._cm.__enter__()
        bind_commune(session, self._commune_id)
        return session

    def __exit__(self, *exc: Any) -> Any:
        return self._cm.__exit__(*exc)


class _Listener:
    """A connection listening on the outbox channel (PostGIS): wakes the dispatcher as soon as rows commit."""

    def __init__(self, engine: Engine) -> None:
        self._raw = engine.raw_connection()
        conn: Any = self._raw.driver_connection  # a psycopg connection
        self._conn = conn
        conn.autocommit = True
        conn.execute(f"LISTEN {CHANNEL}")

    def wait(self, timeout: float) -> bool:
        """Wait for a NOTIFY or ``timeout`` seconds; False when the connection is gone."""
        import psycopg  # PostGIS only

        try:
            ready, _, _ = selectors.select([self._conn.fileno()], [], [], timeout)
            if ready:
                for _ in self._conn.notifies(timeout=0.01):
                    pass
        except (OSError, ValueError, psycopg.Error):
            return False
        return not self._conn.closed

    def close(self) -> None:
        with contextlib.suppress(Exception):  # the connection may already be dead
            self._raw.invalidate()  # never hand a LISTENing autocommit connection back to the pool
