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
