"""Notifications through a real ``voisinage serve`` process: ``POST /sms/inbound`` (a signed SMS from a member's
number posts an alert; a bad signature or a replay is refused with 401 and stores nothing) and the one-click
unsubscribe link of the e-mails (``GET`` changes nothing, ``POST`` turns e-mail off, a forged token is refused)."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import closing
from urllib.parse import urlencode

import httpx
import pytest
from app_support import running_server
from sqlalchemy import func, select

import notify
from data.demo_accounts import DEMO_ACCOUNTS
from store import bind_commune, make_engine, transaction
from store.schema import Alert, Member, NotifyCounter, NotifyPrefs, OutboxMessage, SmsNonce

SMS_SECRET = "secret-de-la-passerelle"
NOTIFY_SECRET = "clé-des-notifications-du-serveur"
PHONE = "+33698765432"
RESIDENT = DEMO_ACCOUNTS[0]


@pytest.fixture(scope="module")
def served(demo_db_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, object, Member]]:
    """A copy of the demo database where the resident gave a phone number, served by ``voisinage serve``."""
    folder = tmp_path_factory.mktemp("notify-serve")
    path = folder / "app.sqlite3"
    with closing(sqlite3.connect(demo_db_url.removeprefix("sqlite:///"))) as src, closing(sqlite3.connect(path)) as dst:
        src.backup(dst)  # the demo database may keep recent pages in its WAL file: a file copy would miss them
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    with transaction(engine) as s:
        member = s.scalar(select(Member).where(Member.email == RESIDENT.email))
        bind_commune(s, member.commune_id)
        s.merge(NotifyPrefs(member_id=member.id, commune_id=member.commune_id, email_on=True, sms_on=True,
                            phone=PHONE, digest=True))  # fmt: skip
        s.expunge(member)
    env = {"VOISINAGE_SMS_INBOUND_SECRET": SMS_SECRET, "VOISINAGE_NOTIFY_SECRET": NOTIFY_SECRET}
    with running_server(url, folder / "serve.log", **env) as base:
        yield base, engine, member
    engine.dispose()


def _counts(engine, commune_id: int) -> tuple[int, int, int, int]:
    with transaction(engine) as s:
        bind_commune(s, commune_id)
        return (
            s.scalar(select(func.count()).select_from(Alert)),
            s.scalar(select(func.count()).select_from(OutboxMessage)),
            s.scalar(select(func.count()).select_from(SmsNonce)),
            s.scalar(select(func.coalesce(func.sum(NotifyCounter.n), 0))),
        )


def _sms(text: str, nonce: str, number: str = "06 98 76 54 32") -> bytes:
    return urlencode({"from": number, "text": text, "timestamp": str(int(time.time())), "nonce": nonce}).encode()


def _post(base: str, raw: bytes, signature: str) -> httpx.Response:
    headers = {"Content-Type": "application/x-www-form-urlencoded", "X-Voisinage-Signature": signature}
    return httpx.post(f"{base}/sms/inbound", content=raw, headers=headers, timeout=60)


def test_sms_inbound_through_the_server_posts_when_signed_and_refuses_bad_or_replayed(served) -> None:
    base, engine, member = served
    raw = _sms("VOL trottinette électrique volée cette nuit dans le local à vélos", "serveur-1")
    before = _counts(engine, member.commune_id)
    good = _post(base, raw, notify.sign(SMS_SECRET, raw))
    assert good.status_code == 200, good.text
    after = _counts(engine, member.commune_id)
    assert after[0] == before[0] + 1  # the alert is stored
    with transaction(engine) as s:
        bind_commune(s, member.commune_id)
        alert = s.scalar(select(Alert).order_by(Alert.id.desc()).limit(1))
        reply = s.scalar(select(OutboxMessage).where(OutboxMessage.kind == "sms_reply"))
    assert alert.author_id == member.id and alert.category == "vol" and alert.status == "pending"
    assert reply is not None and reply.recipient == PHONE and reply.body == good.json()["reply"]
    # A bad signature, a replay of the accepted request, a signature of another body: 401, nothing stored.
    other = _sms("VOL autre message jamais signé correctement", "serveur-2")
    refused = [
        _post(base, other, "sha256=" + "0" * 64),
        _post(base, raw, notify.sign(SMS_SECRET, raw)),
        _post(base, other, notify.sign(SMS_SECRET, raw)),
        _post(base, other, notify.sign("pas-le-secret", other)),
    ]
    assert [r.status_code for r in refused] == [401, 401, 401, 401]
    assert _counts(engine, member.commune_id) == after


def test_one_click_unsubscribe_through_the_server(served) -> None:
    base, engine, member = served
    token = notify.unsubscribe_token(NOTIFY_SECRET, member.commune_id, member.id)
    link = f"{base}/notifications/unsubscribe?token={token}"

    def email_on() -> bool:
        with transaction(engine) as s:
            bind_commune(s, member.commune_id)
            return s.get(NotifyPrefs, member.id).email_on

    shown = httpx.get(link, timeout=60)  # opening the link in a browser changes nothing
    assert shown.status_code == 200 and 'method="post"' in shown.text and email_on()
    forged = notify.unsubscribe_token("pas-la-clé", member.commune_id, member.id)
    bad = httpx.post(f"{base}/notifications/unsubscribe?token={forged}", data={"List-Unsubscribe": "One-Click"})
    assert bad.status_code == 400 and email_on()
    done = httpx.post(link, data={"List-Unsubscribe": "One-Click"}, timeout=60)  # what mail providers send
    assert done.status_code == 200 and "plus de courriels" in done.text
    assert not email_on()
    assert "content-security-policy" in done.headers
