"""The public sign-up through its services, on both backends (PostGIS as the application's role, row-level
security on): suggestions, the applicant's sector only, a pending account with an invitation, and the same answer
whether the e-mail already has an account (in this commune or another)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from members_support import BAN_FILE, GOOD_PASSWORD, add_commune, build_world, hull_boundary
from shapely.affinity import translate
from sqlalchemy import select
from sqlalchemy.engine import Engine

import services
from community import Actor, register_member
from services import ServiceError, members
from services.addresses import suggest
from services.maps import home_map
from store import make_engine, transaction
from store.schema import CharterAcceptance, Member, NotifyPrefs, OutboxMessage, Role

pytestmark = pytest.mark.shared_data
COMMUNE = "75113"
ADDRESS = "32 Rue Gérard 75013 Paris 13e Arrondissement"


@pytest.fixture(params=["sqlite", "postgis"])
def world(request: pytest.FixtureRequest, shared_file) -> Iterator[Engine]:
    """The BAN world of ``members_support`` (set up by the tables' owner) plus a second commune elsewhere; the
    services then run as the application's role on PostGIS."""
    if request.param == "sqlite":
        url = str(request.getfixturevalue("sqlite_url"))
        owner = make_engine(url)
    else:
        owner = request.getfixturevalue("postgis_owner_engine")
        url = str(request.getfixturevalue("postgis_app_url"))
    path = shared_file(BAN_FILE)
    build_world(owner, path)
    with transaction(owner) as session:
        other = add_commune(session, "91095", "Ailleurs", translate(hull_boundary(path), xoff=0.5))
        register_member(
            session, Actor.operator(), other, email="ailleurs@example.fr", name="Hors commune", role=Role.MAIRIE_AGENT,
            password=GOOD_PASSWORD, channel="operator",
        )  # fmt: skip
    services.use_database(url)
    yield owner
    services.use_database(None)
    services.reset_engine()


def _rows(engine: Engine, model, **where):
    with transaction(engine) as session:
        return list(session.scalars(select(model).filter_by(**where)))


def test_suggestions_come_from_the_commune_s_ban_addresses(world):
    labels = [c.label for c in suggest(COMMUNE, "32 rue gera")]
    assert labels and labels[0] == ADDRESS
    assert suggest(COMMUNE, "32") == []  # too short to suggest anything
    assert suggest(COMMUNE, "zzzz qqqq") == []
    with pytest.raises(ServiceError) as bad:
        suggest("ABC", "32 rue Gérard")
    assert bad.value.field == "commune"


def test_the_applicant_sees_their_own_sector_only(world):
    shown = home_map(COMMUNE, ADDRESS)
    assert shown.address == ADDRESS
    assert shown.sector_name in {"Secteur 1", "Secteur 2"}
    assert [s.name for s in shown.map.sectors] == [shown.sector_name]
    assert shown.map.own_sectors == {shown.map.sectors[0].code}
    with pytest.raises(ServiceError) as unknown:
        home_map(COMMUNE, "1 rue qui n'existe pas du tout")
    assert unknown.value.field == "address"


def test_sign_up_creates_a_pending_account_with_an_invitation(world):
    done = members.apply(
        COMMUNE, email="Nouvelle@Example.fr", name="Nina", address=ADDRESS, charter_version=1, phone="06 12 34 56 78"
    )
    assert "en attente de vérification" in done.message and done.email == "nouvelle@example.fr"
    [member] = _rows(world, Member, email="nouvelle@example.fr")
    assert member.status == "pending" and member.registered_via == "web" and member.sector_code
    assert member.password_hash is None and member.invitation_hash  # the password is chosen with the invitation
    assert _rows(world, CharterAcceptance, member_id=member.id)[0].channel == "web"
    assert _rows(world, NotifyPrefs, member_id=member.id)[0].phone == "+33612345678"
    assert {m.kind for m in _rows(world, OutboxMessage, member_id=member.id)} == {"invitation"}


@pytest.mark.parametrize("holder", ["bob@example.fr", "ailleurs@example.fr"])
def test_an_existing_e_mail_gets_the_same_answer_and_no_second_account(world, holder):
    if holder == "bob@example.fr":
        members.apply(COMMUNE, email=holder, name="Bob", address=ADDRESS, charter_version=1)
    before = len(_rows(world, Member))
    started = time.monotonic()
    at = datetime(2026, 11, 30, 23, 10, tzinfo=UTC)
    again = members.apply(COMMUNE, email=holder.upper(), name="Autre", address=ADDRESS, charter_version=1, now=at)
    known_s = time.monotonic() - started
    started = time.monotonic()
    fresh = members.apply(COMMUNE, email="jamais.vu@example.fr", name="Autre", address=ADDRESS, charter_version=1)
    assert min(known_s, time.monotonic() - started) >= members.SIGN_UP_FLOOR_S  # time tells nothing either
    assert again.message == fresh.message.replace("jamais.vu@example.fr", holder)
    assert len(_rows(world, Member)) == before + 1  # only the fresh one
    [account] = _rows(world, Member, email=holder)
    assert account.name != "Autre"
    told = _rows(world, OutboxMessage, member_id=account.id, kind="sign_up_again")
    assert told and "aucun nouveau compte" in told[0].body
    members.apply(
        COMMUNE, email=holder, name="Encore", address=ADDRESS, charter_version=1, now=at + timedelta(minutes=20)
    )
    assert len(_rows(world, OutboxMessage, member_id=account.id, kind="sign_up_again")) == len(told)  # once an hour


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"address": "1 rue qui n'existe pas du tout"}, "address"),
        ({"address": ""}, "address"),
        ({"charter_version": None}, "charter"),
        ({"charter_version": 7}, "charter"),
        ({"name": "  "}, "name"),
        ({"phone": "pas un numéro"}, "phone"),
    ],
)
def test_bad_input_is_refused_alike_for_known_and_unknown_e_mails(world, changes, field):
    members.apply(COMMUNE, email="connu@example.fr", name="Connu", address=ADDRESS, charter_version=1)
    answers = []
    for email in ("connu@example.fr", "inconnu@example.fr"):
        with pytest.raises(ServiceError) as refused:
            members.apply(
                COMMUNE, **{"email": email, "name": "Nom", "address": ADDRESS, "charter_version": 1, **changes}
            )
        answers.append((refused.value.field, refused.value.message))
    assert answers[0] == answers[1] and answers[0][0] == field
    assert not _rows(world, Member, email="inconnu@example.fr")


@pytest.fixture
def limits(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Two sign-ups an hour per connection, three per commune."""
    from settings import get_settings

    monkeypatch.setenv("VOISINAGE_SIGNUP_PER_CLIENT_PER_HOUR", "2")
    monkeypatch.setenv("VOISINAGE_SIGNUP_PER_COMMUNE_PER_HOUR", "3")
    get_settings.cache_clear()
    members._SIGN_UPS_BY_CLIENT.clear()
    yield
    members._SIGN_UPS_BY_CLIENT.clear()
    get_settings.cache_clear()


def _apply(email: str, **extra):
    return members.apply(COMMUNE, email=email, name="Nina", address=ADDRESS, charter_version=1, **extra)


def test_one_connection_may_sign_up_so_many_times_an_hour(world, limits):
    _apply("un@example.fr", client="198.51.100.7")
    _apply("bob@example.fr", client="198.51.100.7")
    before = len(_rows(world, Member)), len(_rows(world, OutboxMessage))
    for email in ("trois@example.fr", "bob@example.fr"):  # a known e-mail is refused alike: it tells nothing
        with pytest.raises(ServiceError) as refused:
            _apply(email, client="198.51.100.7")
        assert refused.value.field == "limit" and "réessayez dans une heure" in refused.value.message
    assert (len(_rows(world, Member)), len(_rows(world, OutboxMessage))) == before  # nothing stored, nothing sent
    _apply("trois@example.fr", client="203.0.113.9")  # another connection still may
    assert _rows(world, Member, email="trois@example.fr")


def test_a_refused_sign_up_does_not_count_against_the_connection(world, limits):
    with pytest.raises(ServiceError):
        members.apply(COMMUNE, email="un@example.fr", name="Nina", address="", charter_version=1, client="198.51.100.7")
    _apply("un@example.fr", client="198.51.100.7")
    _apply("deux@example.fr", client="198.51.100.7")


def test_the_commune_accepts_so_many_web_sign_ups_an_hour_whatever_their_origin(world, limits):
    at = datetime.now(UTC)
    for index in range(3):
        _apply(f"n{index}@example.fr", client=f"198.51.100.{index}", now=at)
    with pytest.raises(ServiceError) as refused:
        _apply("n3@example.fr", client="198.51.100.50", now=at + timedelta(minutes=5))
    assert refused.value.field == "limit" and "commune" in refused.value.message
    assert not _rows(world, Member, email="n3@example.fr")
    _apply("n3@example.fr", client="198.51.100.50", now=at + timedelta(minutes=61))  # an hour later
    assert _rows(world, Member, email="n3@example.fr")
