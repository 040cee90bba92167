"""The community services (members, referents, charter, gendarmerie), on both backends, through their one way in."""

from __future__ import annotations

import json
from datetime import timedelta

import pyotp
import pytest
from helpers import member_by_email
from members_support import BAN_FILE, GOOD_PASSWORD, add_resident, add_staff, bind_world, build_world
from sqlalchemy import select

import services
from community import Actor, PermissionDeniedError
from services import ServiceError, auth, charter, gendarmerie, members, referents
from store import transaction
from store.schema import AuditEntry, CharterAcceptance, Role, utcnow

pytestmark = pytest.mark.shared_data
COMMUNE = "75113"
OPERATOR = Actor.operator(label="opérateur test")


@pytest.fixture
def world(db_url, engine, shared_file):
    build_world(engine, shared_file(BAN_FILE))
    services.use_database(db_url)
    yield engine
    services.use_database(None)
    services.reset_engine()


def _actor(engine, email: str) -> Actor:
    with transaction(engine) as session:
        return Actor.of_member(member_by_email(session, email))


def _audit(engine, object_type: str) -> list[AuditEntry]:
    with transaction(engine) as session:
        bind_world(session)
        rows = session.scalars(select(AuditEntry).where(AuditEntry.object_type == object_type).order_by(AuditEntry.id))
        return [r for r in rows]


def test_paper_registration_by_an_agent_then_first_sign_in(world):
    add_staff(world, "agent@mairie.fr", Role.MAIRIE_AGENT)
    agent = _actor(world, "agent@mairie.fr")
    done = members.register(
        agent,
        None,
        email="Papier@Example.fr",
        name="Mme Papier",
        address="35 rue Gérard",
        verification_method="dossier",
    )
    assert (done.member.email, done.member.role, done.member.status) == ("papier@example.fr", "resident", "verified")
    assert done.member.sector_code == "S1" and done.member.verification_method == "dossier"
    assert done.invitation_token
    with transaction(world) as session:  # the charter was signed on paper
        bind_world(session)
        assert session.scalar(select(CharterAcceptance.channel).where(CharterAcceptance.member_id == done.member.id))
    with pytest.raises(ServiceError) as weak:
        members.accept_invitation(done.invitation_token, "court")
    assert weak.value.field == "password"
    members.accept_invitation(done.invitation_token, GOOD_PASSWORD)
    assert auth.sign_in("papier@example.fr", GOOD_PASSWORD).token
    with pytest.raises(ServiceError) as used:
        members.accept_invitation(done.invitation_token, GOOD_PASSWORD)
    assert used.value.field == "token"


def test_register_errors_carry_their_field_and_name_no_option(world):
    cases = [
        ({"email": "x@example.fr", "name": "X", "role": "maire"}, "role"),
        ({"email": "x@example.fr", "name": "X", "role": "referent"}, "sector"),
        ({"email": "pas-un-email", "name": "X", "address": "35 rue Gérard"}, "email"),
        ({"email": "x@example.fr", "name": "X"}, "address"),
        ({"email": "x@example.fr", "name": "X", "address": "1 rue Inconnue"}, "address"),
        ({"email": "x@example.fr", "name": "X", "address": "35 rue Gérard", "verification_method": "pigeon"}, "method"),
    ]
    for kwargs, field in cases:
        with pytest.raises(ServiceError) as caught:
            members.register(OPERATOR, COMMUNE, **kwargs)
        assert caught.value.field == field, kwargs
        assert "--" not in str(caught.value)
    with pytest.raises(ServiceError) as unknown:
        members.register(OPERATOR, "99999", email="x@example.fr", name="X", address="35 rue Gérard")
    assert unknown.value.field == "commune"


def test_self_sign_up_verify_in_french_and_refuse(world):
    done = members.sign_up(
        COMMUNE, email="bob@example.fr", name="Bob", password=GOOD_PASSWORD, charter_version=1, address="32 rue Gérard"
    )
    assert done.member.status == "pending" and done.invitation_token is None
    with pytest.raises(ServiceError) as stale:
        members.sign_up(COMMUNE, email="c@example.fr", name="C", password=GOOD_PASSWORD, charter_version=9,
                        address="32 rue Gérard")  # fmt: skip
    assert stale.value.field == "charter"
    verified = members.verify(OPERATOR, COMMUNE, "bob@example.fr", method="courrier", note="code reçu")
    assert (verified.status, verified.verification_method) == ("verified", "courrier")
    members.sign_up(COMMUNE, email="d@example.fr", name="D", password=GOOD_PASSWORD, charter_version=1,
                    address="35 rue Gérard")  # fmt: skip
    with pytest.raises(ServiceError) as no_reason:
        members.refuse(OPERATOR, COMMUNE, "d@example.fr", reason=" ")
    assert no_reason.value.field == "reason" and "--" not in str(no_reason.value)
    assert members.refuse(OPERATOR, COMMUNE, "d@example.fr", reason="Adresse non prouvée").status == "refused"


def test_sanctions_and_lifting(world):
    add_resident(world, "alice@example.fr", "32 rue Gérard")
    add_staff(world, "agent@mairie.fr", Role.MAIRIE_AGENT)
    agent = _actor(world, "agent@mairie.fr")
    assert members.warn(agent, None, "alice@example.fr", reason="Hors sujet").kind == "warning"
    with pytest.raises(ServiceError) as past:
        members.suspend(agent, None, "alice@example.fr", until=utcnow() - timedelta(days=1), reason="x")
    assert past.value.field == "until"
    held = members.suspend(agent, None, "alice@example.fr", until=utcnow() + timedelta(days=7), reason="Insultes")
    assert held.kind == "suspension"
    assert members.view(agent, None, "alice@example.fr").status == "suspended"
    assert members.lift(agent, None, "alice@example.fr").lifted_at is not None
    assert members.view(agent, None, "alice@example.fr").status == "verified"
    with pytest.raises(ServiceError) as nothing:
        members.lift(agent, None, "alice@example.fr")
    assert nothing.value.field == "email"
    with pytest.raises(PermissionDeniedError):  # only a mairie admin (or the operator) excludes
        members.exclude(agent, None, "alice@example.fr", reason="Récidive")
    assert members.exclude(OPERATOR, COMMUNE, "alice@example.fr", reason="Récidive").kind == "exclusion"


def test_listing_is_scoped_by_the_matrix(world):
    add_resident(world, "west@example.fr", "32 rue Gérard")  # S1
    add_resident(world, "ref@example.fr", "35 rue Gérard")  # S1
    referents.assign(OPERATOR, COMMUNE, "ref@example.fr", "S2")
    ref = _actor(world, "ref@example.fr")
    everyone = {m.email for m in members.list_members(OPERATOR, COMMUNE)}
    assert {"west@example.fr", "ref@example.fr"} <= everyone
    assert all(m.sector_code == "S2" for m in members.list_members(ref))
    assert [m.role for m in members.list_members(OPERATOR, COMMUNE) if m.email == "ref@example.fr"] == ["referent"]
    with pytest.raises(PermissionDeniedError):
        members.list_members(_actor(world, "west@example.fr"))


def test_referent_places(world):
    add_resident(world, "a@example.fr", "32 rue Gérard")
    assigned = referents.assign(OPERATOR, COMMUNE, "a@example.fr", "Secteur 1")
    assert assigned.referent_sectors == ("S1",) and assigned.role == "referent"
    staffing = {p.code: (p.referents, p.places) for p in referents.places(OPERATOR, COMMUNE)}
    assert staffing == {"S1": (1, 2), "S2": (0, 2)}
    assert referents.end(OPERATOR, COMMUNE, "a@example.fr", "S1").role == "resident"
    with pytest.raises(ServiceError) as unknown:
        referents.assign(OPERATOR, COMMUNE, "a@example.fr", "S9")
    assert unknown.value.field == "sector"


def test_staff_naming_totp_enrolment_and_reset(world):
    named = members.name_staff(OPERATOR, COMMUNE, email="agent@mairie.fr", name="Agent", role="mairie-agent")
    assert (named.member.role, named.member.status) == ("mairie-agent", "verified")
    with pytest.raises(ServiceError) as not_staff:
        members.name_staff(OPERATOR, COMMUNE, email="r@example.fr", name="R", role="resident")
    assert not_staff.value.field == "role"
    members.accept_invitation(named.invitation_token or "", GOOD_PASSWORD)
    signed = auth.sign_in("agent@mairie.fr", GOOD_PASSWORD)
    assert signed.needs_totp_enrolment
    agent = auth.current_actor(signed.token, require_mfa=False)
    enrolment = members.start_totp(agent)
    assert enrolment.uri.startswith("otpauth://totp/") and "issuer=Voisinage" in enrolment.uri
    with pytest.raises(ServiceError) as wrong:
        members.confirm_totp(agent, "000000")
    assert wrong.value.field == "totp"
    secret = pyotp.parse_uri(enrolment.uri).secret
    assert members.confirm_totp(agent, pyotp.TOTP(secret).now()).totp_enabled
    assert auth.current_actor(signed.token).member_id == agent.member_id  # the session is complete now
    with pytest.raises(ServiceError):
        members.start_totp(OPERATOR)  # the operator has no account of their own
    # A mairie admin resets it (lost phone): audited with the reason, the sessions are revoked.
    members.name_staff(OPERATOR, COMMUNE, email="admin@mairie.fr", name="Admin", role="mairie-admin")
    admin = _actor(world, "admin@mairie.fr")
    reset = members.reset_totp(admin, None, "agent@mairie.fr", reason="Téléphone perdu")
    assert not reset.totp_enabled
    with pytest.raises(ServiceError) as revoked:
        auth.current_actor(signed.token)
    assert revoked.value.field == "session"
    entry = [e for e in _audit(world, "member") if '"totp": "reset"' in e.details][-1]
    assert entry.actor_id == admin.member_id and "Téléphone perdu" in entry.details
    add_resident(world, "res@example.fr", "32 rue Gérard")
    with pytest.raises(PermissionDeniedError):
        members.reset_totp(_actor(world, "res@example.fr"), None, "agent@mairie.fr", reason="x")


def test_charter_publish_current_and_paper_acceptance_audited(world):
    add_resident(world, "alice@example.fr", "32 rue Gérard")
    add_resident(world, "bob@example.fr", "35 rue Gérard")
    new = charter.publish(OPERATOR, COMMUNE, "Version deux de la charte : respect, faits, pas de noms.")
    assert new.version == 2 and charter.current(None, COMMUNE) == new
    recorded = charter.accept(OPERATOR, COMMUNE, "alice@example.fr")
    assert (recorded.version, recorded.channel) == (2, "paper")
    entry = _audit(world, "charter_acceptance")[-1]
    assert entry.actor_label == "opérateur test" and json.loads(entry.details)["channel"] == "paper"
    alice = _actor(world, "alice@example.fr")
    assert charter.accept(alice).channel == "paper"  # already accepted: the first acceptance stands
    with pytest.raises(ServiceError) as stale:
        charter.accept(alice, version=1)
    assert stale.value.field == "charter"
    with pytest.raises(PermissionDeniedError):  # a resident cannot record someone else's acceptance
        charter.accept(alice, None, "bob@example.fr")


def test_gendarmerie_access(world):
    assert gendarmerie.open_access(OPERATOR, COMMUNE, reason="Convention signée")
    assert not gendarmerie.open_access(OPERATOR, COMMUNE)
    assert gendarmerie.close_access(OPERATOR, COMMUNE, reason="Fin de convention")
    status = gendarmerie.history(OPERATOR, COMMUNE)
    assert not status.is_open and [c.is_open for c in status.changes] == [True, False]
    assert status.changes[0].reason == "Convention signée"
    add_resident(world, "alice@example.fr", "32 rue Gérard")
    with pytest.raises(PermissionDeniedError):
        gendarmerie.open_access(_actor(world, "alice@example.fr"), None)


def test_operator_acting_for_a_member_is_audited_as_such(world):
    add_resident(world, "alice@example.fr", "32 rue Gérard")
    acting = auth.act_for("Alice@example.fr", operator="opérateur CLI (jean)")
    assert acting.role == Role.RESIDENT and acting.operated_by == "opérateur CLI (jean)"
    members.export_own(acting)
    entry = _audit(world, "member")[-1]
    assert entry.action == "exported" and entry.actor_id == acting.member_id
    assert entry.actor_label == f"opérateur CLI (jean) pour le membre {acting.member_id}"
    assert json.loads(entry.details)["operator"] == "opérateur CLI (jean)"
    with pytest.raises(ServiceError) as unknown:
        auth.act_for("nobody@example.fr", operator="x")
    assert unknown.value.field == "as"
