"""``voisinage members set``, ``voisinage dispatch --once`` and ``voisinage dead-letters`` (CliRunner), both
backends: choices stored, French errors with status 2, a real SMTP server receiving what dispatch sends."""

from __future__ import annotations

import pytest
from alerts_support import BOURAY, T0, build_world, inner_point, who
from helpers import member_by_email
from notify_support import SmtpSink
from sqlalchemy import select
from typer.testing import CliRunner

import notify
from alerts import post_alert
from cli import app
from services import reset_engine
from settings import get_settings
from store import bind_commune, transaction
from store.schema import NotifyPrefs, OutboxMessage

runner = CliRunner()


def run(db_url: str, *args: str):
    return runner.invoke(app, ["--db", db_url, *args])


@pytest.fixture
def world(db_url, engine, shared_file):
    w = build_world(engine, shared_file)
    yield w
    reset_engine()


def _prefs(engine, email):
    with transaction(engine) as s:
        m = member_by_email(s, email)
        bind_commune(s, m.commune_id)
        p = s.get(NotifyPrefs, m.id)
        return None if p is None else (p.email_on, p.sms_on, p.phone, p.quiet_from, p.quiet_to)


def test_members_set_stores_the_choices_and_refuses_sms_without_a_number(world, db_url, engine) -> None:
    refused = run(db_url, "members", "set", "--commune", BOURAY, "alice@a.fr", "--sms", "on")
    assert refused.exit_code == 2 and "numéro" in refused.stderr and _prefs(engine, "alice@a.fr") is None
    bad = run(db_url, "members", "set", "--commune", BOURAY, "alice@a.fr", "--phone", "12")
    assert bad.exit_code == 2 and "invalide" in bad.stderr
    ok = run(db_url, "members", "set", "--commune", BOURAY, "alice@a.fr", "--phone", "06 12 34 56 78", "--sms", "on",
             "--email", "off", "--quiet", "22:00-07:00")  # fmt: skip
    assert ok.exit_code == 0, ok.stderr
    assert "SMS oui (+33612345678)" in ok.stdout
    assert _prefs(engine, "alice@a.fr") == (False, True, "+33612345678", 22 * 60, 7 * 60)
    unknown = run(db_url, "members", "set", "--commune", BOURAY, "nobody@a.fr", "--email", "off")
    assert unknown.exit_code == 2 and "Aucun membre" in unknown.stderr


def test_dispatch_once_sends_and_dead_letters_lists_failures(world, db_url, engine, monkeypatch, request) -> None:
    smtp = SmtpSink().start()
    monkeypatch.setenv("VOISINAGE_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("VOISINAGE_SMTP_PORT", str(smtp.port))
    monkeypatch.setenv("VOISINAGE_SMTP_TLS", "none")
    get_settings.cache_clear()
    try:
        notify.configure(notify.NotifyConfig())
        notify.register_hooks()
        lon, lat = inner_point(world["geoms"][(BOURAY, "A1")])
        post_alert(
            engine, who(engine, "bob@a.fr"), category="vol", text="Vélo volé cette nuit.", lon=lon, lat=lat, now=T0
        )
        if engine.dialect.name == "postgresql":
            owner = request.getfixturevalue("postgis_owner_url")  # a superuser owning the tables: would bypass
            refused = run(owner, "dispatch", "--once")  # isolation
            assert refused.exit_code == 2 and "Refus de démarrer" in refused.stderr and not smtp.messages
        result = run(db_url, "dispatch", "--once")  # on PostGIS, the application's role
        assert result.exit_code == 0, result.stderr
        assert "Envoyés :" in result.stdout and "alice@a.fr" in smtp.recipients()
        with transaction(engine) as s:
            bind_commune(s, world["bouray_id"])
            row = s.scalar(select(OutboxMessage).where(OutboxMessage.channel == "email"))
            row.status, row.last_error = "dead", "adresse refusée par le serveur"
        listed = run(db_url, "dead-letters", "--commune", BOURAY)
        assert listed.exit_code == 0 and "adresse refusée par le serveur" in listed.stdout
    finally:
        smtp.stop()
        get_settings.cache_clear()
