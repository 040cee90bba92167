"""The notifications' secrets on both backends: account codes never lie readable in the outbox (sealed, opened by
the dispatcher at send time, the code still works from the e-mail), and the one-click unsubscribe link turns a
member's e-mail off, only with a genuine token."""

from __future__ import annotations

import random
import re
from dataclasses import replace

import pytest
from helpers import member_by_email
from members_support import BAN_FILE, add_resident, build_world
from notify_support import SmtpSink
from sqlalchemy import select

import services
from notify import Dispatcher, read_unsubscribe_token, seal, unseal, unsubscribe_token
from notify._secrets import SEALED, SealError
from services import auth, members
from services import notify as notify_services
from services._config import notify_config
from store import bind_commune, transaction
from store.schema import AuditEntry, Member, NotifyPrefs, OutboxMessage

pytestmark = pytest.mark.shared_data
ADDRESS = "35 rue Gérard"


@pytest.fixture
def world(db_url, engine, shared_file):
    build_world(engine, shared_file(BAN_FILE))
    services.use_database(db_url)
    add_resident(engine, "ines@exemple.fr", ADDRESS)
    yield engine
    services.use_database(None)
    services.reset_engine()


def _member(engine, email: str) -> Member:
    with transaction(engine) as s:
        return member_by_email(s, email)


def _outbox(engine, member: Member) -> list[OutboxMessage]:
    with transaction(engine) as s:
        bind_commune(s, member.commune_id)
        return s.scalars(select(OutboxMessage).where(OutboxMessage.member_id == member.id)).all()


def _dispatcher(engine, smtp: SmtpSink, **kw) -> Dispatcher:
    config = replace(notify_config(), smtp_host="127.0.0.1", smtp_port=smtp.port, smtp_tls="none", **kw)
    return Dispatcher(engine, config, rng=random.Random(1))


def test_seal_round_trip_and_another_key_cannot_open() -> None:
    sealed = seal("clé-a", "code : abc123")
    assert sealed.startswith(SEALED) and "abc123" not in sealed
    assert unseal("clé-a", sealed) == "code : abc123"
    assert unseal("clé-a", "texte en clair") == "texte en clair"
    with pytest.raises(SealError):
        unseal("clé-b", sealed)


def test_unsubscribe_tokens_are_bound_to_the_member_and_the_key() -> None:
    token = unsubscribe_token("clé", 3, 42)
    assert read_unsubscribe_token("clé", token) == (3, 42)
    assert read_unsubscribe_token("autre-clé", token) is None
    assert read_unsubscribe_token("clé", token.replace("3.42.", "3.43.", 1)) is None  # someone else's id
    assert read_unsubscribe_token("clé", "") is None and read_unsubscribe_token("clé", "3.42.x") is None


def test_a_password_reset_code_is_unreadable_in_the_outbox_and_works_from_the_email(world) -> None:
    token = auth.request_password_reset("ines@exemple.fr")
    assert token
    member = _member(world, "ines@exemple.fr")
    rows = [r for r in _outbox(world, member) if r.kind == "password_reset"]
    assert {r.channel for r in rows} == {"inapp", "email"}
    for row in rows:  # a database reader finds no usable code anywhere in the rows
        assert all(token not in str(value) for value in (row.body, row.subject, row.link, row.dedup_key))
    (email,) = [r for r in rows if r.channel == "email"]
    assert email.body.startswith(SEALED)
    smtp = SmtpSink().start()
    try:
        report = _dispatcher(world, smtp).run_once()
    finally:
        smtp.stop()
    assert report.sent["email"] >= 1
    (mail,) = [m for rcpts, m in smtp.messages if rcpts == ["ines@exemple.fr"] and "mot de passe" in m["Subject"]]
    text = mail.get_body(("plain",)).get_content()
    code = re.search(r"avec ce code : (\S+)", text)
    assert code is not None and code.group(1) == token
    # The code mailed is the one that works.
    assert members.accept_invitation(code.group(1), "Un-Nouveau-Mot-de-Passe-2026!").email == "ines@exemple.fr"


def test_a_sealed_body_the_key_cannot_open_is_a_dead_letter_with_its_reason(world) -> None:
    auth.request_password_reset("ines@exemple.fr")
    smtp = SmtpSink().start()
    try:
        _dispatcher(world, smtp, secret="une-autre-clé").run_once()
    finally:
        smtp.stop()
    assert not [m for _, m in smtp.messages if "mot de passe" in m["Subject"]]
    rows = _outbox(world, _member(world, "ines@exemple.fr"))
    (email,) = [r for r in rows if r.channel == "email" and r.kind == "password_reset"]
    assert email.status == "dead" and "clé" in email.last_error


def test_one_click_unsubscribe_turns_email_off_with_a_genuine_token_only(world) -> None:
    member = _member(world, "ines@exemple.fr")
    secret = notify_config().secret
    forged = unsubscribe_token("pas-la-clé", member.commune_id, member.id)
    assert notify_services.unsubscribe(forged) is False
    assert notify_services.unsubscribe("n'importe quoi") is False
    with transaction(world) as s:
        bind_commune(s, member.commune_id)
        assert s.get(NotifyPrefs, member.id) is None  # nothing written by a refused token
    assert notify_services.unsubscribe(unsubscribe_token(secret, member.commune_id, member.id)) is True
    assert notify_services.unsubscribe(unsubscribe_token(secret, member.commune_id, member.id)) is True  # idempotent
    with transaction(world) as s:
        bind_commune(s, member.commune_id)
        prefs = s.get(NotifyPrefs, member.id)
        assert prefs is not None and prefs.email_on is False
        audit = s.scalars(select(AuditEntry).where(AuditEntry.object_type == "member")).all()
    assert sum("unsubscribe_link" in str(a.details) for a in audit) == 1


def test_the_key_file_is_made_once_owner_only_and_shared(tmp_path) -> None:
    from services._config import NOTIFY_KEY_FILE, notify_key_file_secret

    first = notify_key_file_secret(tmp_path)
    path = tmp_path / NOTIFY_KEY_FILE
    assert len(first) >= 40 and path.stat().st_mode & 0o777 == 0o600
    assert notify_key_file_secret(tmp_path) == first  # every process of the machine reads the same key
    path.write_text("cle-posee-par-l-exploitant\n", encoding="ascii")
    assert notify_key_file_secret(tmp_path) == "cle-posee-par-l-exploitant"
