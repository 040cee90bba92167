"""What the mairie's « Membres » page asks of the services: pending sign-ups with their point, the sanction history,
referents per sector with their empty places, the charter's acceptances, the commune's alert categories.

Both backends (the ``engine`` fixture through ``world``), on the real BAN rows of the Butte-aux-Cailles.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import test_services_members
from members_support import GOOD_PASSWORD, add_resident, add_staff
from test_services_members import COMMUNE, OPERATOR, _actor, _audit

from community import PermissionDeniedError
from services import ServiceError, categories, charter, members, referents
from store.schema import Role, utcnow

pytestmark = pytest.mark.shared_data
world = test_services_members.world  # the fixture: a commune of two sectors around real BAN rows


def test_pending_sign_ups_carry_their_geocoded_point_oldest_first(world):
    members.sign_up(COMMUNE, email="first@example.fr", name="Première", password=GOOD_PASSWORD,
                    charter_version=1, address="32 rue Gérard", now=utcnow() - timedelta(hours=2))  # fmt: skip
    members.sign_up(COMMUNE, email="second@example.fr", name="Seconde", password=GOOD_PASSWORD,
                    charter_version=1, address="35 rue Gérard")  # fmt: skip
    add_resident(world, "done@example.fr", "32 rue Gérard")  # verified: not pending
    add_staff(world, "agent@mairie.fr", Role.MAIRIE_AGENT)
    waiting = members.pending(_actor(world, "agent@mairie.fr"))
    assert [p.member.email for p in waiting] == ["first@example.fr", "second@example.fr"]
    first = waiting[0]
    assert first.member.sector_code == "S1" and "Gérard" in first.member.address
    assert first.lon == pytest.approx(2.35, abs=0.01) and first.lat == pytest.approx(48.83, abs=0.01)
    assert _audit(world, "member_list")  # the listing is audited
    with pytest.raises(PermissionDeniedError):
        members.pending(_actor(world, "done@example.fr"))


def test_sanction_history_newest_first_with_what_is_in_force(world):
    add_resident(world, "alice@example.fr", "32 rue Gérard")
    add_resident(world, "bob@example.fr", "35 rue Gérard")
    add_staff(world, "agent@mairie.fr", Role.MAIRIE_AGENT)
    agent = _actor(world, "agent@mairie.fr")
    members.warn(agent, None, "alice@example.fr", reason="Ton agressif")
    members.suspend(agent, None, "bob@example.fr", until=utcnow() + timedelta(days=3), reason="Insultes")
    history = members.sanctions(agent)
    assert [(e.email, e.sanction.kind, e.in_force) for e in history] == [
        ("bob@example.fr", "suspension", True),
        ("alice@example.fr", "warning", False),
    ]
    assert history[0].sanction.reason == "Insultes" and history[1].name == "Habitant Test"
    members.lift(agent, None, "bob@example.fr")
    lifted = members.sanctions(agent)[0]
    assert not lifted.in_force and lifted.sanction.lifted_at is not None  # the record stays
    assert _audit(world, "sanctions")[-1].actor_id == agent.member_id
    add_resident(world, "ref@example.fr", "32 rue Gérard")
    referents.assign(OPERATOR, COMMUNE, "ref@example.fr", "S1")
    with pytest.raises(PermissionDeniedError):  # a referent sees their sectors only, not the commune's history
        members.sanctions(_actor(world, "ref@example.fr"))


def test_places_name_the_referents_and_candidates_exclude_them(world):
    add_resident(world, "a@example.fr", "32 rue Gérard")  # S1
    add_resident(world, "b@example.fr", "32 rue Gérard")  # S1
    add_staff(world, "admin@mairie.fr", Role.MAIRIE_ADMIN)
    admin = _actor(world, "admin@mairie.fr")
    assert {m.email for m in referents.candidates(admin, None, "S1")} == {"a@example.fr", "b@example.fr"}
    assert referents.candidates(admin, None, "S2") == []
    referents.assign(admin, None, "a@example.fr", "S1")
    places = {p.code: p for p in referents.places(admin, None)}
    assert [m.email for m in places["S1"].members] == ["a@example.fr"]
    assert (places["S1"].empty, places["S2"].empty, places["S2"].members) == (1, 2, ())
    assert [m.email for m in referents.candidates(admin, None, "Secteur 1")] == ["b@example.fr"]
    with pytest.raises(ServiceError) as unknown:
        referents.candidates(admin, None, "S9")
    assert unknown.value.field == "sector"
    add_staff(world, "agent@mairie.fr", Role.MAIRIE_AGENT)
    with pytest.raises(PermissionDeniedError):  # naming referents is the admin's
        referents.candidates(_actor(world, "agent@mairie.fr"), None, "S1")


def test_charter_status_counts_acceptances_of_the_version_in_force(world):
    add_resident(world, "alice@example.fr", "32 rue Gérard")  # accepted version 1 on the web
    add_resident(world, "bob@example.fr", "35 rue Gérard")
    add_staff(world, "admin@mairie.fr", Role.MAIRIE_ADMIN)
    admin = _actor(world, "admin@mairie.fr")
    before = charter.status(admin)
    assert before.charter is not None and before.charter.version == 1
    assert (before.accepted, before.members) == (2, 3)  # the two residents; the admin (staff) did not sign
    charter.publish(admin, None, "Version deux : des faits, pas de noms, pas de photos de personnes.")
    after = charter.status(admin)
    assert after.charter is not None and (after.charter.version, after.accepted) == (2, 0)
    charter.accept(_actor(world, "alice@example.fr"))
    assert charter.status(admin).accepted == 1
    with pytest.raises(PermissionDeniedError):
        charter.status(_actor(world, "bob@example.fr"))


def test_commune_categories_add_rename_deactivate(world):
    from services import alerts as alert_service

    add_staff(world, "admin@mairie.fr", Role.MAIRIE_ADMIN)
    add_staff(world, "agent@mairie.fr", Role.MAIRIE_AGENT)
    admin, agent = _actor(world, "admin@mairie.fr"), _actor(world, "agent@mairie.fr")
    listed = categories.listing(agent)
    assert all(c.enabled and not c.own for c in listed) and "vol" in [c.code for c in listed]
    added = categories.add(admin, None, code="nuisances-sonores", label="Nuisances <b>sonores</b>", family="securite")
    own = [c for c in added if c.own]
    assert [(c.code, c.label, c.family, c.enabled) for c in own] == [
        ("nuisances-sonores", "Nuisances <b>sonores</b>", "securite", True)
    ]
    renamed = categories.rename(admin, None, "vol", "Vol ou tentative de vol")
    vol = next(c for c in renamed if c.code == "vol")
    assert (vol.label, vol.default_label) == ("Vol ou tentative de vol", "Vol")
    categories.set_enabled(admin, None, "nuisances-sonores", False)
    after = categories.set_enabled(admin, None, "vol", False)
    assert {c.code for c in after if not c.enabled} == {"nuisances-sonores", "vol"}
    # Deactivated categories are no longer offered for posting, at once (no stale cached context).
    add_resident(world, "alice@example.fr", "32 rue Gérard")
    alice = _actor(world, "alice@example.fr")
    for code in ("vol", "nuisances-sonores"):
        with pytest.raises(ServiceError) as refused:
            alert_service.post(alice, category=code, text="Vélo volé devant le 32 rue Gérard ce matin.",
                               address="32 rue Gérard")  # fmt: skip
        assert refused.value.field == "category"
    categories.set_enabled(admin, None, "vol", True)
    assert next(c for c in categories.listing(agent) if c.code == "vol").enabled
    assert _audit(world, "alert_category")[-1].actor_id == admin.member_id
    # The operator (no right to read alerts) changes the set-up and gets the new list back.
    assert "vol" in [c.code for c in categories.rename(OPERATOR, COMMUNE, "vol", "Vol") if c.enabled]
    cases = [
        (lambda: categories.add(admin, None, code="vol", label="Vol", family="securite"), "code"),
        (lambda: categories.add(admin, None, code="Pas Bon", label="X", family="securite"), "code"),
        (lambda: categories.add(admin, None, code="ok-code", label=" ", family="securite"), "label"),
        (lambda: categories.add(admin, None, code="ok-code", label="X", family="officiel"), "family"),
        (lambda: categories.rename(admin, None, "inconnue", "X"), "code"),
        (lambda: categories.rename(admin, None, "vol", "x" * 81), "label"),
    ]
    for call, field in cases:
        with pytest.raises(ServiceError) as caught:
            call()
        assert caught.value.field == field, (field, caught.value.message)
    with pytest.raises(PermissionDeniedError):  # the agent reads, the admin changes (the matrix)
        categories.rename(agent, None, "vol", "Vol")
    with pytest.raises(PermissionDeniedError):
        categories.listing(alice)
