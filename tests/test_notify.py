"""Notifications on both backends, with a real SMTP server and a real HTTP SMS gateway: who gets an alert, once;
retries; dead letters; member events; SMS budget; the unread badge."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from alerts_support import BOURAY, T0, build_world, inner_point, who
from helpers import member_by_email
from notify_support import GatewaySink, SmtpSink, config
from sqlalchemy import func, select

import notify
from alerts import close_alert, load_viewer, moderate, post_alert, visible_alerts
from community import Actor, verify_member, warn
from notify import Dispatcher
from store import bind_commune, transaction
from store.schema import Alert, GendarmerieAccessChange, Member, NotifyPrefs, OutboxMessage, Role

TEXT = "Vélo volé devant le portail cette nuit."


@pytest.fixture
def smtp():
    sink = SmtpSink().start()
    yield sink
    sink.stop()


@pytest.fixture
def gateway():
    sink = GatewaySink().start()
    yield sink
    sink.stop()


@pytest.fixture
def world(engine, shared_file):
    notify.configure(config())
    notify.register_hooks()
    return build_world(engine, shared_file)


def _post(world, email="bob@a.fr", sector="A1", **kw):
    lon, lat = inner_point(world["geoms"][(BOURAY, sector)])
    args = {"category": "vol", "text": TEXT, "lon": lon, "lat": lat, "now": T0} | kw
    return post_alert(world["engine"], who(world["engine"], email), **args)


def _prefs(world, email, **values):
    with transaction(world["engine"]) as s:
        m = member_by_email(s, email)
        bind_commune(s, m.commune_id)
        s.add(NotifyPrefs(member_id=m.id, commune_id=m.commune_id, **({"email_on": True, "sms_on": False,
                                                                       "digest": True} | values)))  # fmt: skip


def _should_receive(world, alert_id, author):
    """The oracle: members whom the alerts domain lets read the published alert (residents and referents)."""
    engine = world["engine"]
    emails = []
    with transaction(engine) as s:
        for commune_id in (world["bouray_id"], world["lardy_id"]):  # every member of both communes
            bind_commune(s, commune_id)
            rows = s.execute(select(Member.email, Member.role))
            emails += [e for e, r in rows if r in (Role.RESIDENT, Role.REFERENT)]
    found = set()
    for email in emails:
        with transaction(engine) as s:
            viewer = load_viewer(s, who(s, email), T0, bind=True)
            if s.scalar(visible_alerts(viewer).where(Alert.id == alert_id)) is not None and email != author:
                found.add(email)
    return found


def _dispatcher(world, smtp=None, gateway=None, **kw):
    return Dispatcher(world["engine"], config(smtp, gateway, **kw), rng=random.Random(1))


def _rows(world, **where):
    with transaction(world["engine"]) as s:
        bind_commune(s, world["bouray_id"])
        return s.scalars(select(OutboxMessage).filter_by(**where).order_by(OutboxMessage.id)).all()


def test_a_published_alert_mails_each_member_of_its_perimeter_once_and_nobody_else(world, smtp) -> None:
    _prefs(world, "alice@a.fr")  # explicit defaults
    result = _post(world)
    assert result.status == "published"
    expected = _should_receive(world, result.alert_id, "bob@a.fr")
    assert "alice@a.fr" in expected and "lea@lardy.fr" not in expected and "susp@a.fr" not in expected
    report = _dispatcher(world, smtp).run_once()
    assert sorted(smtp.recipients()) == sorted(expected)
    assert report.sent["email"] == len(expected)
    # Run again: nothing new goes out.
    assert _dispatcher(world, smtp).run_once().total_sent == 0
    assert len(smtp.messages) == len(expected)
    rows = _rows(world, channel="email")
    assert sorted(smtp.message_ids()) == sorted(notify.message_id(r.id, r.dedup_key, config().smtp_from) for r in rows)
    _, mail = smtp.messages[0]
    # List-Unsubscribe: the member's one-click link (RFC 8058); the footer points at « Mon compte ».
    rows_by_to = {r.recipient: r for r in rows}
    member_id = rows_by_to[mail["To"]].member_id
    token = notify.unsubscribe_token(config().secret, world["bouray_id"], member_id)
    assert mail["List-Unsubscribe"] == f"<https://voisinage.example/notifications/unsubscribe?token={token}>"
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    parts = {p.get_content_type(): p.get_content() for p in mail.walk() if not p.is_multipart()}
    assert "Vol" in parts["text/plain"] and f"?alerte={result.alert_id}" in parts["text/plain"]
    assert "text/html" in parts and "https://voisinage.example/compte" in parts["text/plain"]
    assert 'href="https://voisinage.example/compte"' in parts["text/html"]
    # Residents never get the exact point: no coordinates in what they receive.
    with transaction(world["engine"]) as s:
        bind_commune(s, world["bouray_id"])
        point = s.get(Alert, result.alert_id).location
    bodies = {r.recipient: r.body for r in _rows(world, kind="publication", channel="email")}
    assert f"{point.y:.5f}" not in bodies["alice@a.fr"]
    assert f"{point.y:.5f}" in bodies["ref@a.fr"]  # the referent of the alert's sector may see it
    # In-app: everyone told has an unread message.
    with transaction(world["engine"]) as s:
        bind_commune(s, world["bouray_id"])
        alice = s.scalar(select(Member.id).where(Member.email == "alice@a.fr"))
        badge = notify.unread(s, alice)
    assert badge.count == 1 and badge.messages[0].alert_id == result.alert_id


def test_email_off_gets_in_app_only_and_sms_goes_to_those_who_chose_it(world, smtp, gateway) -> None:
    _prefs(world, "alice@a.fr", email_on=False, sms_on=True, phone="+33612345678")
    result = _post(world)
    _dispatcher(world, smtp, gateway).run_once()
    assert "alice@a.fr" not in smtp.recipients()
    assert [b["to"] for b, _ in gateway.received] == ["+33612345678"]
    body, headers = gateway.received[0]
    assert headers["X-Api-Key"] == "test-key" and f"?alerte={result.alert_id}" in body["text"]
    assert len(_rows(world, channel="inapp", kind="publication")) >= 1


def test_pending_alert_goes_to_the_moderators_with_the_exact_point(world, smtp) -> None:
    result = _post(world, "claire@a.fr")  # not verified: pending
    assert result.status == "pending"
    _dispatcher(world, smtp).run_once()
    assert sorted(smtp.recipients()) == ["mairie@a.fr", "ref@a.fr"]
    with transaction(world["engine"]) as s:
        bind_commune(s, world["bouray_id"])
        point = s.get(Alert, result.alert_id).location
    assert all(f"{point.y:.5f}" in r.body for r in _rows(world, kind="moderation"))
    # Approved: the perimeter hears of it, the author is told; the exact point still only to who may see it.
    moderate(
        world["engine"], result.alert_id, who(world["engine"], "ref@a.fr"), approve=True, now=T0 + timedelta(minutes=1)
    )
    _dispatcher(world, smtp).run_once()
    told = {m for m in smtp.recipients()[2:]}
    assert "claire@a.fr" in told and "alice@a.fr" in told
    assert not any(f"{point.y:.5f}" in r.body for r in _rows(world, kind="publication") if r.recipient == "alice@a.fr")


def test_the_author_is_told_of_a_closing_by_someone_else_not_of_their_own(world) -> None:
    engine = world["engine"]
    mine, theirs = _post(world), _post(world, sector="C3", text="Scooter volé dans la nuit devant le garage.")
    close_alert(engine, mine.alert_id, who(engine, "bob@a.fr"), "Vélo retrouvé.", now=T0 + timedelta(minutes=1))
    close_alert(engine, theirs.alert_id, who(engine, "mairie@a.fr"), "Affaire suivie.", now=T0 + timedelta(minutes=2))
    closed = [(r.alert_id, r.channel) for r in _rows(world, kind="closed")]
    assert (theirs.alert_id, "email") in closed and (theirs.alert_id, "inapp") in closed
    assert all(alert_id != mine.alert_id for alert_id, _ in closed)


def test_gendarmerie_gets_security_alerts_only_while_access_is_open(world, smtp) -> None:
    _post(world)
    with transaction(world["engine"]) as s:
        bind_commune(s, world["bouray_id"])
        s.add(GendarmerieAccessChange(commune_id=world["bouray_id"], is_open=True, changed_at=T0))
    _post(world, sector="C3", text="Deux hommes essaient les poignées de portières.", category="comportement-suspect")
    _dispatcher(world, smtp).run_once()
    assert smtp.recipients().count("gend@a.fr") == 1


def test_widening_tells_only_the_new_sectors(world, smtp) -> None:
    result = _post(world)
    _dispatcher(world, smtp).run_once()
    first = set(smtp.recipients())
    moderate(
        world["engine"],
        result.alert_id,
        who(world["engine"], "mairie@a.fr"),
        widen_to=["C3"],
        now=T0 + timedelta(minutes=2),
    )
    _dispatcher(world, smtp).run_once()
    later = smtp.recipients()[len(first) :]
    assert "bob@a.fr" not in later  # the author
    assert not set(later) & first
    assert len(later) == len(set(later))


def test_gateway_500_then_200_is_retried_and_delivered_once(world, smtp, gateway) -> None:
    _prefs(world, "alice@a.fr", sms_on=True, phone="+33612345678")
    gateway.script = [500]
    _post(world)
    dispatcher = _dispatcher(world, smtp, gateway)
    first = dispatcher.run_once()
    assert first.retried == 1 and gateway.received == []
    deadline = datetime.now(UTC) + timedelta(seconds=10)
    while not gateway.received and datetime.now(UTC) < deadline:
        dispatcher.run_once()
    assert [b["to"] for b, _ in gateway.received] == ["+33612345678"]
    (row,) = _rows(world, channel="sms")
    assert (row.status, row.attempts, row.last_error) == ("sent", 2, "")


def test_after_the_last_try_a_dead_letter_with_its_reason(world) -> None:
    _post(world)
    dead = SmtpSink()  # never started: connection refused
    dispatcher = _dispatcher(world, dead, max_attempts=2, backoff_seconds=0.01, backoff_max_seconds=0.02)
    deadline = datetime.now(UTC) + timedelta(seconds=10)
    while datetime.now(UTC) < deadline and any(r.status != "dead" for r in _rows(world, channel="email")):
        dispatcher.run_once()
    rows = _rows(world, channel="email")
    assert rows and all(r.status == "dead" and r.attempts == 2 and "essais" in r.last_error for r in rows)


def test_staging_sends_nothing_and_logs(world, smtp, caplog) -> None:
    _post(world)
    with caplog.at_level("INFO", logger="voisinage.notify"):
        report = _dispatcher(world, smtp, staging=True).run_once()
    assert smtp.messages == [] and report.sent["email"] >= 1
    assert "staging" in caplog.text


def test_sms_budget_stops_sms_and_tells_the_mairie(world, smtp, gateway) -> None:
    _prefs(world, "alice@a.fr", sms_on=True, phone="+33611111111")
    _post(world)
    _post(world, sector="A1", email="ref@a.fr", text="Voiture suspecte qui tourne depuis une heure.",
          category="vehicule-suspect")  # fmt: skip
    _dispatcher(world, smtp, gateway, sms_monthly_budget=1).run_once()
    assert len(gateway.received) == 1
    assert [r.status for r in _rows(world, channel="sms")] == ["sent", "skipped"]
    assert "mairie@a.fr" in smtp.recipients()
    assert len(_rows(world, kind="sms_budget", channel="email")) == 1


def test_solidarity_posts_wait_for_the_daily_digest(world, smtp) -> None:
    _post(world, category="animal-perdu-trouve", text="Chat roux perdu, collier bleu.")
    _dispatcher(world, smtp, digest_hour=23).run_once(lambda: T0)  # 09:00 Paris: not yet
    assert smtp.messages == []
    _dispatcher(world, smtp, digest_hour=18).run_once(lambda: T0 + timedelta(hours=10))
    digests = [m for _, m in smtp.messages]
    assert digests and all("Entraide" in m["Subject"] for m in digests)
    assert {r.status for r in _rows(world, kind="publication", channel="email")} == {"digested"}


def test_quiet_hours_delay_all_but_security_alerts(world, smtp) -> None:
    _prefs(world, "alice@a.fr", quiet_from=8 * 60, quiet_to=12 * 60)  # 09:00 Paris at T0: quiet
    _post(world)  # security: goes through
    _post(world, category="demande-aide", text="Besoin d'aide pour porter des courses.", now=T0 + timedelta(minutes=5))
    rows = {r.kind + r.dedup_key.split(":")[1]: r for r in _rows(world, channel="email") if r.recipient == "alice@a.fr"}
    by_alert = sorted(_rows(world, channel="email"), key=lambda r: r.id)
    security = [r for r in by_alert if r.recipient == "alice@a.fr" and r.urgent]
    other = [r for r in by_alert if r.recipient == "alice@a.fr" and not r.urgent]
    assert rows and security and other
    assert security[0].next_attempt_at.replace(tzinfo=UTC) <= T0 + timedelta(minutes=1)
    assert other[0].next_attempt_at.replace(tzinfo=UTC) >= T0 + timedelta(hours=2)


def test_member_events_write_their_message_in_the_same_transaction(world, smtp) -> None:
    with transaction(world["engine"]) as s:
        claire = member_by_email(s, "claire@a.fr")
        mairie = member_by_email(s, "mairie@a.fr")
        verify_member(s, Actor.of_member(mairie), claire, method="document")
        alice = member_by_email(s, "alice@a.fr")
        warn(s, Actor.of_member(mairie), alice, reason="Propos déplacés")
    with pytest.raises(RuntimeError), transaction(world["engine"]) as s:
        bob = member_by_email(s, "bob@a.fr")
        warn(s, Actor.of_member(mairie), bob, reason="Rien")
        raise RuntimeError("rolled back")
    _dispatcher(world, smtp).run_once()
    subjects = {(r[0], m["Subject"]) for r, m in smtp.messages}
    assert ("claire@a.fr", "[Voisinage] Votre adresse est vérifiée") in subjects
    assert ("alice@a.fr", "[Voisinage] Avertissement") in subjects
    assert "bob@a.fr" not in smtp.recipients()


def test_unread_badge_counts_since_the_marker_and_mark_read(world) -> None:
    _post(world)
    _post(world, category="degradation", text="Abribus cassé cette nuit.", now=T0 + timedelta(minutes=1))
    with transaction(world["engine"]) as s:
        bind_commune(s, world["bouray_id"])
        alice = s.scalar(select(Member.id).where(Member.email == "alice@a.fr"))
        badge = notify.unread(s, alice)
        assert badge.count == 2
        assert notify.unread(s, alice, since_id=badge.messages[-1].id).count == 1
        notify.mark_read(s, alice, badge.last_id, T0)
        assert notify.unread(s, alice).count == 0
        assert s.scalar(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.member_id == alice)) >= 2


def test_suspended_and_pending_members_get_nothing(world, smtp) -> None:
    _post(world)
    _dispatcher(world, smtp).run_once()
    assert smtp.recipients() and not {"susp@a.fr", "claire@a.fr"} & set(smtp.recipients())


def test_broadcast_and_withdrawal_reach_who_they_should(world, smtp, gateway) -> None:
    _prefs(world, "alice@a.fr", sms_on=True, phone="+33622222222")
    with transaction(world["engine"]) as s:
        bind_commune(s, world["bouray_id"])
        said = {
            "key": "coupure-eau",
            "subject": "Coupure d'eau",
            "text": "Coupure demain 9 h - 12 h.",
            "author": "Mairie",
        }
        n = notify.enqueue_broadcast(s, world["bouray_id"], ["A1"], now=T0, **said)
        again = notify.enqueue_broadcast(s, world["bouray_id"], ["A1"], now=T0, **said)
    assert n > 0 and again == 0  # the same broadcast twice writes nothing new
    result = _post(world)
    _dispatcher(world, smtp, gateway).run_once()
    told = set(smtp.recipients())
    with transaction(world["engine"]) as s:
        bind_commune(s, world["bouray_id"])
        notify.enqueue_for_alert(s, result.alert_id, "withdraw", now=T0)
    _dispatcher(world, smtp, gateway).run_once()
    withdrawn = {r for r, m in smtp.messages if "retirée" in m["Subject"] for r in r}
    assert "alice@a.fr" in told and withdrawn == {
        r.recipient for r in _rows(world, kind="publication", channel="email")
    }
    assert [b["to"] for b, _ in gateway.received].count("+33622222222") == 3  # broadcast, alert, withdrawal
    assert "bob@a.fr" not in withdrawn  # the author was not told of the publication


def test_rendering_shares_the_body_and_writes_the_per_recipient_headers() -> None:
    from email import message_from_bytes, policy

    from notify._email import render

    c = config()
    raw = [
        render(i, f"k{i}", f"m{i}@voisins.fr", "[Voisinage] Vol — Centre", TEXT, "https://l", c, None) for i in (1, 2)
    ]
    assert all(isinstance(r, bytes) for r in raw)
    one, two = (message_from_bytes(r, policy=policy.default) for r in raw)  # type: ignore[arg-type]
    assert (one["To"], two["To"]) == ("m1@voisins.fr", "m2@voisins.fr")
    assert one["Message-ID"] != two["Message-ID"] and one["Subject"] == "[Voisinage] Vol — Centre"
    assert one["List-Unsubscribe"] == "<https://voisinage.example/compte>" and one["List-Unsubscribe-Post"] is None
    assert one.get_body(("plain",)).get_content() == two.get_body(("plain",)).get_content()
    # An address that is not ASCII takes the whole-message path (sent with SMTPUTF8).
    assert not isinstance(render(3, "k3", "élodie@exemple.fr", "s", TEXT, "", c, None), bytes)
