"""SMS intake on both backends: a signed message from a verified member's number posts an alert (pending
moderation) and is answered by SMS; a bad signature, a replay or a stale timestamp is refused with 401 and
stores nothing; an unknown number leaves only a counter. Also through the Starlette route."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import pytest
from alerts_support import BOURAY, T0, build_world, who
from helpers import member_by_email
from notify_support import config
from sqlalchemy import func, select
from starlette.applications import Starlette
from starlette.testclient import TestClient

import notify
from alerts import AlertConfig, post_alert
from store import bind_commune, transaction
from store.schema import Alert, NotifyCounter, NotifyPrefs, OutboxMessage, SmsNonce

SECRET = "s3cret-partagé"
CONFIG = config(sms_inbound_secret=SECRET)


@pytest.fixture
def world(engine, shared_file):
    notify.configure(CONFIG)
    notify.register_hooks()
    w = build_world(engine, shared_file)
    with transaction(engine) as s:
        alice = member_by_email(s, "alice@a.fr")
        bind_commune(s, alice.commune_id)
        s.add(NotifyPrefs(member_id=alice.id, commune_id=alice.commune_id, email_on=True, sms_on=True,
                          phone="+33612345678", digest=True))  # fmt: skip
    return w


def _poster(engine):
    def post(email, category, text, lon, lat, address):
        result = post_alert(engine, who(engine, email), category=category, text=text, lon=lon, lat=lat, address=address,
                            config=AlertConfig(premoderation=True), now=T0)  # fmt: skip
        return result.alert_id, result.message

    return post


def _body(text="VOL vélo volé devant l'école ce matin", number="06 12 34 56 78", nonce="m1", at=T0) -> bytes:
    return urlencode({"from": number, "text": text, "timestamp": str(int(at.timestamp())), "nonce": nonce}).encode()


def _receive(world, raw, signature=None, now=T0):
    signature = notify.sign(SECRET, raw) if signature is None else signature
    return notify.receive_sms(world["engine"], raw, signature, CONFIG, _poster(world["engine"]), now)


def _count(world, table, commune=True):
    with transaction(world["engine"]) as s:
        if commune:
            bind_commune(s, world["bouray_id"])
        return s.scalar(select(func.count()).select_from(table))


def test_a_signed_sms_from_a_member_posts_a_pending_alert_and_answers_by_sms(world) -> None:
    reply = _receive(world, _body())
    assert reply.status == 200 and reply.alert_id is not None
    with transaction(world["engine"]) as s:
        bind_commune(s, world["bouray_id"])
        alert = s.get(Alert, reply.alert_id)
        assert (alert.category, alert.status) == ("vol", "pending")
        assert alert.text == "vélo volé devant l'école ce matin"
        answers = s.scalars(select(OutboxMessage).where(OutboxMessage.kind == "sms_reply")).all()
    assert [(a.recipient, a.channel) for a in answers] == [("+33612345678", "sms")]
    assert "relecture" in answers[0].body


def test_bad_replayed_or_stale_messages_are_refused_and_store_nothing(world) -> None:
    raw = _body()
    assert _receive(world, raw, signature="sha256=" + "0" * 64).status == 401
    assert _receive(world, raw, signature="").status == 401
    assert _count(world, Alert) == 0 and _count(world, SmsNonce, False) == 0
    stale = _body(nonce="m2", at=T0 - timedelta(hours=1))
    assert _receive(world, stale).status == 401
    assert _receive(world, raw).status == 200
    alerts, nonces = _count(world, Alert), _count(world, SmsNonce, False)
    assert _receive(world, raw).status == 401  # the same message again: a replay
    assert (_count(world, Alert), _count(world, SmsNonce, False)) == (alerts, nonces)


def test_an_emergency_is_answered_call_17_and_not_posted(world) -> None:
    reply = _receive(world, _body("VOL cambriolage en cours chez mon voisin, urgence"))
    assert "17" in reply.text and reply.alert_id is None
    assert _count(world, Alert) == 0


def test_unknown_numbers_get_a_refusal_and_leave_only_a_counter(world) -> None:
    before = _count(world, OutboxMessage)
    reply = _receive(world, _body(number="+33700000000", nonce="x1"))
    assert reply.status == 200 and "inconnu" in reply.text
    assert _count(world, Alert) == 0 and _count(world, OutboxMessage) == before
    with transaction(world["engine"]) as s:
        assert s.scalar(select(NotifyCounter.n).where(NotifyCounter.name == f"sms_inconnu:{T0:%Y-%m-%d}")) == 1


def test_an_unknown_category_word_is_explained(world) -> None:
    reply = _receive(world, _body("ZORGLUB quelque chose", nonce="c1"))
    assert "inconnue" in reply.text and _count(world, Alert) == 0


def test_the_route_answers_401_then_200(world) -> None:
    engine = world["engine"]
    now = datetime.now(UTC)

    def handler(raw, signature):
        return notify.receive_sms(engine, raw, signature, CONFIG, _poster(engine), now)

    client = TestClient(Starlette(routes=[notify.sms_inbound_route(handler)]))
    raw = _body(nonce=f"r{time.time()}", at=now)
    refused = client.post("/sms/inbound", content=raw, headers={"X-Voisinage-Signature": "sha256=bad"})
    assert refused.status_code == 401
    signed = {"X-Voisinage-Signature": notify.sign(SECRET, raw), "Content-Type": "application/x-www-form-urlencoded"}
    ok = client.post("/sms/inbound", content=raw, headers=signed)
    assert ok.status_code == 200 and ok.json()["reply"]
    assert (
        client.post(
            "/sms/inbound", content=raw, headers={"X-Voisinage-Signature": notify.sign(SECRET, raw)}
        ).status_code
        == 401
    )


def test_pure_helpers() -> None:
    assert notify.split_message("VOL: vélo volé rue des Écoles") == ("VOL", "vélo volé rue des Écoles")
    assert notify.address_in("vélo volé 12 rue des Écoles ce matin") == "12 rue des Écoles ce matin"
    assert notify.address_in("vélo volé devant chez moi") is None
    assert notify.normalize_phone("06 12 34 56 78") == "+33612345678"
    assert notify.normalize_phone("0033612345678") == "+33612345678"
    with pytest.raises(ValueError):
        notify.normalize_phone("12")
    assert notify.signature_ok("k", b"x", notify.sign("k", b"x")) and not notify.signature_ok("", b"x", "sha256=")
    assert BOURAY == "91095"


def test_a_long_refusal_is_answered_whole_not_cut(world) -> None:
    from alerts._checks import MUNICIPAL_MESSAGE

    text = "DEGRADATION le lampadaire de la rue est en panne depuis une semaine, éclairage public à réparer"
    reply = _receive(world, _body(text, nonce="long1"))
    assert reply.alert_id is None and _count(world, Alert) == 0
    assert len(reply.text) > 300 and MUNICIPAL_MESSAGE in reply.text, reply.text  # the 300-character cut is gone
    with transaction(world["engine"]) as s:
        bind_commune(s, world["bouray_id"])
        (answer,) = s.scalars(select(OutboxMessage.body).where(OutboxMessage.kind == "sms_reply")).all()
    assert answer == reply.text


def test_sms_parts_and_shortening_never_cut_a_word() -> None:
    from notify._render import SMS_MAX_PARTS, shorten, sms_parts

    assert (sms_parts("a" * 160), sms_parts("a" * 161), sms_parts("a" * 306), sms_parts("a" * 307)) == (1, 2, 2, 3)
    assert (sms_parts("ê" * 70), sms_parts("ê" * 71), sms_parts("é" * 160)) == (1, 2, 1)  # é is GSM-7, ê is not
    assert sms_parts("€" * 80) == 1 and sms_parts("€" * 81) == 2  # two septets each
    words = "vélo volé devant l'école ce matin " * 40
    cut = shorten(words, parts=2)
    assert cut.endswith("…") and sms_parts(cut) <= 2 and words.startswith(cut[:-1] + " ")  # after a whole word
    assert shorten("court", parts=SMS_MAX_PARTS) == "court"
    assert shorten("un deux trois", length=9) == "un deux…"


def test_the_number_is_found_in_its_commune_with_one_lookup(world) -> None:
    from sqlalchemy import event

    from notify._inbound import _member_of

    engine = world["engine"]
    with transaction(engine) as s:
        lea = member_by_email(s, "lea@lardy.fr")
        bind_commune(s, lea.commune_id)
        s.add(NotifyPrefs(member_id=lea.id, commune_id=lea.commune_id, email_on=True, sms_on=True,
                          phone="+33611112222", digest=True))  # fmt: skip
        lea_id, lardy = lea.id, lea.commune_id
    assert lardy != world["bouray_id"]
    statements: list[str] = []

    def count(conn, cursor, statement, *args) -> None:  # SQLAlchemy's event signature
        if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK", "SET", "SHOW", "RESET")):
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        found = _member_of(engine, "+33611112222")
        looked_up = len(statements)
        assert _member_of(engine, "+33699999999") is None
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert found is not None and found[:3] == (lardy, lea_id, "lea@lardy.fr")
    assert looked_up <= 2, statements  # the scope function (PostGIS) and one indexed query, whatever the communes
