"""Entraide services on both backends: the solidarity stream of a perimeter, solidarity posts through the same
checks, « je peux aider » reaching the author only; a member's own notification choices (« Mon compte »)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from alerts_support import BOURAY, T0, build_world, inner_point, who
from sqlalchemy import select

import services
from services import ServiceError, alerts, notify, solidarity
from store import transaction
from store.schema import OutboxMessage

HELP = "Quelqu'un pourrait-il m'aider à porter des courses samedi matin ?"
HELP_C3 = "Besoin d'un coup de main pour déplacer une armoire jeudi."
SECURITY = "Vélo volé devant le portail cette nuit."


@pytest.fixture
def world(db_url, engine, shared_file):
    built = build_world(engine, shared_file)
    services.use_database(db_url)
    services.start()
    yield built
    services.use_database(None)
    services.reset_engine()


def _at(world, sector: str) -> dict[str, float]:
    lon, lat = inner_point(world["geoms"][(BOURAY, sector)])
    return {"lon": lon, "lat": lat}


def _actor(world, email: str):
    return who(world["engine"], email)


def _posts(world) -> dict[str, int]:
    """Alice (A1) asks for help and reports a theft; Bob (C3) asks for help."""
    a = _actor(world, "alice@a.fr")
    help_a1 = solidarity.post(a, category="demande-aide", text=HELP, now=T0, **_at(world, "A1"))
    theft = alerts.post(a, category="vol", text=SECURITY, now=T0, **_at(world, "A1"))
    bob = _actor(world, "bob@a.fr")
    help_c3 = solidarity.post(bob, category="demande-aide", text=HELP_C3, now=T0, **_at(world, "C3"))
    ids = {"help_a1": help_a1.alert_id, "theft": theft.alert_id, "help_c3": help_c3.alert_id}
    for posted in (help_a1, theft, help_c3):
        assert posted.status == "published"
    return ids


def _outbox(world, kind: str) -> list[OutboxMessage]:
    with transaction(world["engine"]) as s:
        from store._rls import bind_commune

        bind_commune(s, world["bouray_id"])
        return list(s.scalars(select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id)))


def test_stream_holds_the_solidarity_posts_of_the_perimeter_only(world):
    ids = _posts(world)
    alice = solidarity.stream(_actor(world, "alice@a.fr"), now=T0)
    assert [p.id for p in alice.posts] == [ids["help_a1"]]  # not the theft, not sector C3's request
    bob = solidarity.stream(_actor(world, "bob@a.fr"), now=T0)
    assert [p.id for p in bob.posts] == [ids["help_c3"]]
    referent = solidarity.stream(_actor(world, "ref@a.fr"), now=T0)  # lives in B2, refers A1
    assert ids["help_a1"] in [p.id for p in referent.posts] and ids["help_c3"] not in [p.id for p in referent.posts]
    mairie = solidarity.stream(_actor(world, "mairie@a.fr"), now=T0)
    assert {p.id for p in mairie.posts} == {ids["help_a1"], ids["help_c3"]}
    lea = solidarity.stream(_actor(world, "lea@lardy.fr"), now=T0)
    assert lea.posts == () and lea.why_empty


def test_stream_finds_solidarity_posts_behind_many_security_alerts(world):
    ids = _posts(world)
    a = _actor(world, "alice@a.fr")
    for i in range(6):
        # Days apart: the rate limit (5 a day) is not what is tested here.
        alerts.post(a, category="degradation", text=f"Abribus cassé numéro {i} cette nuit.",
                    now=T0 + timedelta(days=i + 1), confirm_new=True, **_at(world, "A1"))  # fmt: skip
    assert [p.id for p in solidarity.stream(a, limit=3, now=T0).posts] == [ids["help_a1"]]


def test_a_solidarity_post_goes_through_the_same_checks(world):
    alice = _actor(world, "alice@a.fr")
    with pytest.raises(ServiceError) as wrong:
        solidarity.post(alice, category="vol", text=SECURITY, now=T0, **_at(world, "A1"))
    assert wrong.value.field == "category"
    with pytest.raises(ServiceError) as checked:  # the alerts' pre-publication checks: no names of people
        solidarity.post(alice, category="demande-aide", text="", now=T0, **_at(world, "A1"))
    assert checked.value.field == "text"
    assert [c.code for c in solidarity.categories(alice)] == [
        "demande-aide", "personne-vulnerable", "animal-perdu-trouve", "objet-perdu-trouve"
    ]  # fmt: skip


def test_i_can_help_reaches_the_author_only(world):
    ids = _posts(world)
    before = {m.id for m in _outbox(world, "help_offer")}
    assert before == set()
    offered = solidarity.offer_help(
        _actor(world, "ref@a.fr"), ids["help_a1"], "Je peux passer samedi à 10 h, appelez-moi au 06 00 00 00 00.",
        sign=True, now=T0,
    )  # fmt: skip
    assert offered.created and offered.signed_as == "Ref"
    rows = _outbox(world, "help_offer")
    alice = _actor(world, "alice@a.fr")
    assert {r.member_id for r in rows} == {alice.member_id}  # in-app and e-mail, to the author alone
    assert {r.channel for r in rows} == {"inapp", "email"} and all(r.recipient in ("", "alice@a.fr") for r in rows)
    assert "Ref" in rows[0].body and "samedi à 10 h" in rows[0].body
    # The author sees it in their in-app messages; nobody else has it.
    assert any(m.kind == "help_offer" for m in notify.unread_badge(alice).messages)
    for other in ("bob@a.fr", "mairie@a.fr", "ref@a.fr", "claire@a.fr"):
        assert not any(m.kind == "help_offer" for m in notify.unread_badge(_actor(world, other)).messages)
    # Offering again sends nothing more; the helper's stream says they offered.
    again = solidarity.offer_help(_actor(world, "ref@a.fr"), ids["help_a1"], "Encore moi.", now=T0)
    assert not again.created and len(_outbox(world, "help_offer")) == len(rows)
    assert ids["help_a1"] in solidarity.stream(_actor(world, "ref@a.fr"), now=T0).offered


def test_an_unsigned_offer_says_nothing_of_who(world):
    ids = _posts(world)
    solidarity.offer_help(_actor(world, "ref@a.fr"), ids["help_a1"], "Je peux aider, écrivez à aide@exemple.fr", now=T0)
    row = _outbox(world, "help_offer")[0]
    assert "Ref" not in row.body and "Ref" not in row.subject and "ref@a.fr" not in row.body
    assert "Un·e voisin·e" in row.body


def test_offers_are_refused_where_they_should_be(world):
    ids = _posts(world)
    cases = [
        ("bob@a.fr", ids["help_a1"], "alert_id"),  # another sector: he cannot read it
        ("lea@lardy.fr", ids["help_a1"], "alert_id"),  # another commune
        ("alice@a.fr", ids["help_a1"], "alert_id"),  # her own post
        ("ref@a.fr", ids["theft"], "alert_id"),  # not a solidarity post
        ("susp@a.fr", ids["help_a1"], "actor"),  # suspended
        ("claire@a.fr", ids["help_a1"], "alert_id"),  # not verified: reads only her own
    ]
    for email, alert_id, field in cases:
        with pytest.raises(ServiceError) as refused:
            solidarity.offer_help(_actor(world, email), alert_id, "Je peux aider.", now=T0)
        assert refused.value.field == field, email
    with pytest.raises(ServiceError) as empty:
        solidarity.offer_help(_actor(world, "ref@a.fr"), ids["help_a1"], "   ", now=T0)
    assert empty.value.field == "message"
    with pytest.raises(ServiceError) as long:
        solidarity.offer_help(_actor(world, "ref@a.fr"), ids["help_a1"], "x" * 501, now=T0)
    assert long.value.field == "message"
    assert _outbox(world, "help_offer") == []


def test_own_channels_read_and_changed_by_the_member(world):
    alice = _actor(world, "alice@a.fr")
    start = notify.own_channels(alice)
    assert (start.email_on, start.sms_on, start.phone, start.quiet, start.digest) == (True, False, None, "", True)
    with pytest.raises(ServiceError) as no_phone:
        notify.set_own_channels(alice, sms_on=True)
    assert no_phone.value.field == "phone"
    with pytest.raises(ServiceError) as bad_phone:
        notify.set_own_channels(alice, phone="12345", sms_on=True)
    assert bad_phone.value.field == "phone"
    with pytest.raises(ServiceError) as bad_quiet:
        notify.set_own_channels(alice, quiet="25:00-07:00")
    assert bad_quiet.value.field == "quiet"
    changed = notify.set_own_channels(
        alice, phone="06 12 34 56 78", sms_on=True, email_on=False, quiet="22:00-07:00", digest=False
    )
    assert (changed.phone, changed.sms_on, changed.email_on, changed.quiet, changed.digest) == (
        "+33612345678", True, False, "22:00-07:00", False
    )  # fmt: skip
    assert notify.own_channels(alice) == changed
    assert notify.own_channels(_actor(world, "bob@a.fr")).phone is None  # nobody else's changed
