"""SMS intake: a member texts an alert to the commune's number; the gateway POSTs it to ``/sms/inbound``.

The request is trusted only when ``X-Voisinage-Signature: sha256=<hex HMAC-SHA256 of the raw body>`` matches the
shared secret, its ``timestamp`` field (Unix seconds) is within the replay window, and its ``nonce`` field (the
gateway's message id; else the body's hash) was never seen. A verified member's number posts an alert through
the alerts domain's own checks: the first word names the category ("VOL vélo volé rue des Écoles"), the place
is an address found in the text, else the member's sector. Unknown numbers get a short refusal and leave only a
counter behind.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs

import shapely
from sqlalchemy import Engine, Table, delete, select
from sqlalchemy.orm import Session

from alerts import AlertRefusedError, Outcome, commune_categories, resolve_category
from gis import InputError
from notify._config import NotifyConfig
from notify._outbox import write
from notify._prefs import normalize_phone
from notify._render import SMS_MAX_PARTS, shorten
from store import bind_commune, bind_scope_of, transaction, upsert_insert
from store.schema import Member, MemberStatus, NotifyCounter, NotifyPrefs, Sector, SectorSet, SmsNonce

UNKNOWN = (
    "Numéro inconnu de Voisinage : inscrivez-vous dans l'application et vérifiez votre adresse pour alerter par SMS."
)
EMERGENCY = "URGENCE : appelez le 17 (ou le 112). Votre message n'est pas publié comme une alerte."
_STREET = re.compile(
    r"\b(?:\d+\s*(?:bis|ter)?\s*,?\s*)?(?:rue|avenue|av\.?|boulevard|bd|chemin|place|all[ée]e|impasse|route|quai|"
    r"square|cours|sentier|voie|rond-point|r[ée]sidence|lotissement)\b.*",
    re.IGNORECASE,
)

# (email, category code, text, lon, lat, address) -> (alert id, status message)
Poster = Callable[[str, str, str, float | None, float | None, str | None], tuple[int, str]]


@dataclass(frozen=True)
class SmsReply:
    """The HTTP answer to the gateway (``status``) and the text sent back to the number."""

    status: int
    text: str
    alert_id: int | None = None


def sign(secret: str, raw: bytes) -> str:
    """The signature header value for ``raw`` (what the gateway computes)."""
    return "sha256=" + hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()


def signature_ok(secret: str, raw: bytes, header: str | None) -> bool:
    """Whether ``header`` signs ``raw`` with ``secret`` (constant-time comparison; no secret: never)."""
    return bool(secret) and bool(header) and hmac.compare_digest(sign(secret, raw), (header or "").strip())


def split_message(text: str) -> tuple[str, str]:
    """``"VOL vélo volé rue des Écoles"`` -> (``"VOL"``, ``"vélo volé rue des Écoles"``)."""
    word, _, rest = (text or "").strip().partition(" ")
    return word.strip(" :.,;-"), rest.strip()


def address_in(text: str) -> str | None:
    """The street address a text mentions, if any (from the street word to the end)."""
    m = _STREET.search(text or "")
    return m.group(0).strip(" .,;") if m else None


def _field(form: dict[str, list[str]], name: str) -> str:
    return (form.get(name) or [""])[0]


def _first_time(session: Session, nonce: str, now: datetime) -> bool:
    table = SmsNonce.__table__
    assert isinstance(table, Table)
    maker = upsert_insert(session)
    added = session.execute(
        maker(table).on_conflict_do_nothing(index_elements=["nonce"]).returning(table.c.nonce),
        {"nonce": nonce[:100], "seen_at": now},
    ).first()
    return added is not None


def _count_unknown(session: Session, now: datetime) -> None:
    name = f"sms_inconnu:{now:%Y-%m-%d}"
    maker = upsert_insert(session)
    table = NotifyCounter.__table__
    assert isinstance(table, Table)
    statement = maker(table).values(name=name, n=1)
    session.execute(statement.on_conflict_do_update(index_elements=["name"], set_={"n": NotifyCounter.n + 1}))


def _member_of(engine: Engine, number: str) -> tuple[int, int, str, str | None] | None:
    """(commune id, member id, e-mail, sector code) of the verified member with this number.

    One indexed look-up: on PostGIS the number's commune comes from the narrow SECURITY DEFINER function
    (``voisinage_scope_of('phone', …)``, migration 0012) and binds the transaction, whose row-level security
    then shows that commune's member; on SQLite one query on the ``phone`` index.
    """
    with transaction(engine, write=False) as session:
        bind_scope_of(session, "phone", number)
        row = session.execute(
            select(Member.commune_id, Member.id, Member.email, Member.sector_code)
            .join(NotifyPrefs, NotifyPrefs.member_id == Member.id)
            .where(NotifyPrefs.phone == number, Member.status == MemberStatus.VERIFIED, Member.commune_id.is_not(None))
            .order_by(Member.id)
            .limit(1)
        ).first()
    if row is None or not row.email:
        return None
    return int(row.commune_id), int(row.id), str(row.email), row.sector_code


def _sector_point(session: Session, commune_id: int, code: str | None) -> tuple[float, float] | None:
    if not code:
        return None
    geom = session.scalar(
        select(Sector.geom)
        .join(SectorSet, SectorSet.id == Sector.sector_set_id)
        .where(SectorSet.commune_id == commune_id, SectorSet.status == "active", Sector.code == code)
    )
    if geom is None:
        return None
    p = shapely.point_on_surface(geom)
    return (float(shapely.get_x(p)), float(shapely.get_y(p)))


def receive(
    engine: Engine, raw: bytes, signature: str | None, config: NotifyConfig, post: Poster, now: datetime | None = None
) -> SmsReply:
    """Handle one inbound SMS request (the raw body as received, and its signature header)."""
    now = now or datetime.now(UTC)
    if not signature_ok(config.sms_inbound_secret, raw, signature):
        return SmsReply(401, "Signature invalide.")
    form = parse_qs(raw.decode("utf-8", "replace"), keep_blank_values=True)
    try:
        sent_at = datetime.fromtimestamp(float(_field(form, "timestamp")), UTC)
    except (ValueError, OverflowError, OSError):
        return SmsReply(401, "Horodatage manquant ou invalide.")
    if abs((now - sent_at).total_seconds()) > config.sms_inbound_window_s:
        return SmsReply(401, "Message trop ancien (ou horloge décalée) : refusé.")
    nonce = _field(form, "nonce") or hashlib.sha256(raw).hexdigest()
    with transaction(engine) as session:
        if not _first_time(session, nonce, now):
            return SmsReply(401, "Message déjà reçu : refusé.")
        session.execute(
            delete(SmsNonce).where(SmsNonce.seen_at < now - timedelta(seconds=2 * config.sms_inbound_window_s))
        )
    try:
        number = normalize_phone(_field(form, "from"))
    except InputError:
        number = ""
    found = _member_of(engine, number) if number else None
    if found is None:
        with transaction(engine) as session:
            _count_unknown(session, now)
        return SmsReply(200, UNKNOWN)
    commune_id, member_id, email, sector = found
    reply = _post(engine, commune_id, email, sector, _field(form, "text"), post)
    # The whole answer, up to SMS_MAX_PARTS concatenated SMS; beyond, cut after a whole word with "…".
    reply = replace(reply, text=shorten(reply.text, parts=SMS_MAX_PARTS))
    with transaction(engine) as session:
        bind_commune(session, commune_id)
        write(session, commune_id, [_reply_row(member_id, number, nonce, reply.text, now)])
    return reply


def _post(engine: Engine, commune_id: int, email: str, sector: str | None, text: str, post: Poster) -> SmsReply:
    word, rest = split_message(text)
    with transaction(engine) as session:
        bind_commune(session, commune_id)
        categories = commune_categories(session, commune_id)
        point = _sector_point(session, commune_id, sector)
    try:
        category = resolve_category(word, categories)
    except InputError:
        codes = ", ".join(c.code.upper() for c in categories[:6])
        return SmsReply(200, f"Catégorie « {word} » inconnue. Commencez par un mot : {codes}… puis décrivez.")
    address = address_in(rest)
    attempts: list[tuple[float | None, float | None, str | None]] = []
    if address:
        attempts.append((None, None, address))
    if point:
        attempts.append((point[0], point[1], None))
    if not attempts:
        return SmsReply(200, "Lieu introuvable : indiquez une adresse (ex. « rue des Écoles »).")
    for i, (lon, lat, addr) in enumerate(attempts):
        try:
            alert_id, message = post(email, category.code, rest, lon, lat, addr)
            return SmsReply(200, message, alert_id)
        except AlertRefusedError as exc:
            if exc.result.outcome == Outcome.EMERGENCY:
                return SmsReply(200, EMERGENCY)
            return SmsReply(200, exc.message)
        except InputError as exc:
            if addr is not None and i + 1 < len(attempts) and "Adresse" in exc.message:
                continue  # the address was not found: fall back to the member's sector
            return SmsReply(200, exc.message)
    return SmsReply(200, "Alerte non enregistrée.")


def _reply_row(member_id: int, number: str, nonce: str, text: str, now: datetime) -> dict:
    return {
        "dedup_key": f"smsin:{hashlib.sha256(nonce.encode()).hexdigest()[:32]}:{member_id}:sms",
        "member_id": member_id,
        "channel": "sms",
        "kind": "sms_reply",
        "alert_id": None,
        "urgent": True,
        "recipient": number,
        "subject": "",
        "body": text,
        "link": "",
        "status": "pending",
        "attempts": 0,
        "next_attempt_at": now,
        "last_error": "",
        "created_at": now,
        "sent_at": None,
    }
