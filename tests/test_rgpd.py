"""RGPD: export of everything held, account deletion with anonymisers, append-only audit log."""

from __future__ import annotations

import json

import pytest
from members_support import BAN_FILE, GOOD_PASSWORD, add_resident, add_staff, bind_world, build_world, world_member
from sqlalchemy import select, update
from sqlalchemy.exc import DBAPIError

from community import (
    Actor,
    PermissionDeniedError,
    audit_log,
    delete_account,
    export_member_data,
    get_commune,
    login,
    register_anonymiser,
    register_exporter,
    register_member,
    unregister,
    warn,
)
from gis import InputError
from store import transaction
from store.schema import AuditEntry, AuthSession, MemberStatus, Role

pytestmark = pytest.mark.shared_data


@pytest.fixture
def world(engine, shared_file):
    build_world(engine, shared_file(BAN_FILE))
    return engine


@pytest.fixture
def fake_alerts():
    """A stand-in for the alerts domain: alert authors kept in memory, anonymised on deletion."""
    authors = {101: 0, 102: 0}

    def export(session, member_id):
        return [{"alert": a} for a, who in authors.items() if who == member_id]

    def anonymise(session, member_id):
        mine = [a for a, who in authors.items() if who == member_id]
        for a in mine:
            authors[a] = None
        return len(mine)

    register_exporter("alerts", export)
    register_anonymiser("alerts", anonymise)
    yield authors
    unregister("alerts")


def test_member_exports_everything_held(world, fake_alerts):
    member_id = add_resident(world, "alice@example.fr", "32 rue Gérard")
    fake_alerts[101] = member_id
    login(world, "alice@example.fr", GOOD_PASSWORD)
    with transaction(world) as session:
        member = world_member(session, member_id)
        warn(session, Actor.operator(), member, reason="Hors sujet")
        data = export_member_data(session, Actor.of_member(member), member)
    text = json.dumps(data, ensure_ascii=False)  # JSON-ready as is
    assert data["account"]["email"] == "alice@example.fr"
    assert data["address"]["label"].startswith("32 Rue Gérard") and data["address"]["sector_code"] == "S1"
    assert data["verification"]["method"] == "document"
    assert [c["version"] for c in data["charter_acceptances"]] == [1]
    assert [s["kind"] for s in data["sanctions"]] == ["warning"]
    assert len(data["sessions"]) == 1 and data["login_attempts"][0]["success"] is True
    assert {e["action"] for e in data["audit_log"]} >= {"created", "changed"}
    assert data["alerts"] == [{"alert": 101}]
    assert "argon2" not in text and "token" not in text  # secrets are never exported
    with transaction(world) as session:
        bind_world(session)
        exported = session.scalars(select(AuditEntry).where(AuditEntry.action == "exported")).all()
        assert [(e.object_id, e.actor_id) for e in exported] == [(str(member_id), member_id)]


def test_only_self_admin_or_operator_may_export(world):
    alice = add_resident(world, "alice@example.fr", "32 rue Gérard")
    bob = add_resident(world, "bob@example.fr", "33 rue Gérard")
    agent = add_staff(world, "agent@example.fr", Role.MAIRIE_AGENT)
    admin = add_staff(world, "admin@example.fr", Role.MAIRIE_ADMIN)
    with transaction(world) as session:
        target = world_member(session, alice)
        for other in (bob, agent):
            with pytest.raises(PermissionDeniedError):
                export_member_data(session, Actor.of_member(world_member(session, other)), target)
        export_member_data(session, Actor.of_member(world_member(session, admin)), target)
        export_member_data(session, Actor.operator(), target)


def test_deletion_wipes_personal_data_and_anonymises_alerts(world, fake_alerts):
    member_id = add_resident(world, "alice@example.fr", "32 rue Gérard")
    fake_alerts[101] = member_id
    login(world, "alice@example.fr", GOOD_PASSWORD)
    with transaction(world) as session:
        member = world_member(session, member_id)
        counts = delete_account(session, Actor.of_member(member), member)
    assert counts == {"alerts": 1} and fake_alerts[101] is None  # the alert is kept, without its author
    with transaction(world) as session:
        member = world_member(session, member_id)
        assert member.status == MemberStatus.DELETED
        assert (member.email, member.name, member.password_hash, member.address_label, member.lon) == (
            None,
            "",
            None,
            "",
            None,
        )
        assert session.scalars(select(AuthSession).where(AuthSession.member_id == member_id)).all() == []
        deleted = session.scalars(select(AuditEntry).where(AuditEntry.action == "deleted")).one()
        assert deleted.object_id == str(member_id) and "alice" not in deleted.details
        with pytest.raises(InputError, match="déjà supprimé"):
            delete_account(session, Actor.operator(), member)
    with pytest.raises(Exception, match="incorrect"):
        login(world, "alice@example.fr", GOOD_PASSWORD)
    # the e-mail is free again
    add_resident(world, "alice@example.fr", "32 rue Gérard")


def test_failing_anonymiser_deletes_nothing(world):
    member_id = add_resident(world, "alice@example.fr", "32 rue Gérard")

    def broken(session, member_id):
        raise RuntimeError("alerts store unavailable")

    register_anonymiser("broken", broken)
    try:
        with pytest.raises(RuntimeError), transaction(world) as session:
            member = world_member(session, member_id)
            delete_account(session, Actor.operator(), member)
    finally:
        unregister("broken")
    with transaction(world) as session:
        member = world_member(session, member_id)
        assert member.status == MemberStatus.VERIFIED and member.email == "alice@example.fr"


def test_audit_log_is_per_commune_and_reading_it_is_logged(world):
    admin = add_staff(world, "admin@example.fr", Role.MAIRIE_ADMIN)
    add_resident(world, "alice@example.fr", "32 rue Gérard")
    with transaction(world) as session:
        actor = Actor.of_member(world_member(session, admin))
        commune = get_commune(session, "75113")
        entries = audit_log(session, actor, commune.id)
        assert entries and all(e.commune_id == commune.id for e in entries)
        with pytest.raises(PermissionDeniedError):
            audit_log(session, actor, commune.id + 1)
    with transaction(world) as session:
        bind_world(session)
        last = session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(1)).one()
        assert (last.action, last.object_type, last.actor_id) == ("viewed", "audit_log", admin)
    with pytest.raises(DBAPIError), transaction(world) as session:
        session.execute(update(AuditEntry).values(details="{}"))


def test_operator_registration_is_logged_as_platform_admin(world):
    with transaction(world) as session:
        reg = register_member(
            session,
            Actor.operator(),
            get_commune(session, "75113"),
            email="x@example.fr",
            name="X",
            address="32 rue Gérard",
            channel="operator",
        )
        entry = session.scalars(
            select(AuditEntry).where(AuditEntry.object_type == "member", AuditEntry.object_id == str(reg.member.id))
        ).one()
        assert (entry.actor_role, entry.actor_id, entry.actor_label) == (
            "platform_admin",
            None,
            "opérateur (ligne de commande)",
        )
