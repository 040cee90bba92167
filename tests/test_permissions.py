"""The permission matrix, role x action, exhaustively (expected grid written out independently here)."""

from __future__ import annotations

import itertools

import pytest

from community import MATRIX, Action, Actor, PermissionDeniedError, Role, Scope, can, require, scope_of

R, AG, AD, G, P, RES = "referent", "agent", "admin", "gendarmerie", "platform", "resident"
# action -> {role: scope letter}; missing role = never.
# s=self, S=own sectors (home + referent), F=referent sectors only, C=own commune, *=any commune
EXPECTED: dict[Action, dict[str, str]] = {
    Action.VIEW_OWN_DATA: {RES: "s", R: "s", AG: "s", AD: "s", G: "s", P: "s"},
    Action.EXPORT_OWN_DATA: {RES: "s", R: "s", AG: "s", AD: "s", G: "s", P: "s"},
    Action.DELETE_OWN_ACCOUNT: {RES: "s", R: "s", AG: "s", AD: "s", G: "s"},
    Action.ACCEPT_CHARTER: {RES: "s", R: "s", AG: "s", AD: "s", G: "s"},
    Action.DECLARE_ABSENCE: {RES: "s", R: "s"},
    Action.SET_OWN_CREDENTIALS: {RES: "s", R: "s", AG: "s", AD: "s", G: "s", P: "s"},
    Action.POST_ALERT: {RES: "C", R: "C", AG: "C", AD: "C"},
    Action.RECEIVE_ALERTS: {RES: "S", R: "S", AG: "C", AD: "C", G: "C"},
    Action.VIEW_ALERTS: {RES: "S", R: "S", AG: "C", AD: "C", G: "C"},
    Action.MODERATE_ALERTS: {R: "F", AG: "C", AD: "C"},
    Action.HANDLE_ALERTS: {AG: "C", AD: "C", G: "C"},
    Action.BROADCAST: {AG: "C", AD: "C", G: "C"},
    Action.LIST_MEMBERS: {R: "F", AG: "C", AD: "C", P: "*"},
    Action.VIEW_MEMBER: {R: "F", AG: "C", AD: "C", P: "*"},
    Action.REGISTER_MEMBER: {AG: "C", AD: "C", P: "*"},
    Action.VERIFY_MEMBER: {R: "F", AG: "C", AD: "C", P: "*"},
    Action.REFUSE_MEMBER: {R: "F", AG: "C", AD: "C", P: "*"},
    Action.WARN_MEMBER: {R: "F", AG: "C", AD: "C", P: "*"},
    Action.SUSPEND_MEMBER: {AG: "C", AD: "C", P: "*"},
    Action.EXCLUDE_MEMBER: {AD: "C", P: "*"},
    Action.LIFT_SANCTION: {AG: "C", AD: "C", P: "*"},
    Action.RESET_SECOND_FACTOR: {AG: "C", AD: "C", P: "*"},
    Action.EXPORT_MEMBER_DATA: {AD: "C", P: "*"},
    Action.DELETE_MEMBER: {AD: "C", P: "*"},
    Action.ASSIGN_REFERENT: {AD: "C", P: "*"},
    Action.NAME_STAFF: {AD: "C", P: "*"},
    Action.PUBLISH_CHARTER: {AD: "C", P: "*"},
    Action.EDIT_SECTORS: {AD: "C", P: "*"},
    Action.SET_GENDARMERIE_ACCESS: {AD: "C", P: "*"},
    Action.EDIT_CATEGORIES: {AD: "C", P: "*"},
    Action.VIEW_AUDIT_LOG: {AD: "C", P: "*"},
    Action.VIEW_STATS: {AG: "C", AD: "C", G: "C", P: "*"},
    Action.VIEW_ABSENCES: {AG: "C", AD: "C", G: "C"},
    Action.MANAGE_COMMUNES: {P: "*"},
    Action.IMPORT_ADDRESSES: {P: "*"},
}
ROLES = {
    RES: Role.RESIDENT,
    R: Role.REFERENT,
    AG: Role.MAIRIE_AGENT,
    AD: Role.MAIRIE_ADMIN,
    G: Role.GENDARMERIE,
    P: Role.PLATFORM_ADMIN,
}
LETTER = {
    Scope.SELF: "s",
    Scope.SECTORS: "S",
    Scope.REFERENT_SECTORS: "F",
    Scope.COMMUNE: "C",
    Scope.ANY_COMMUNE: "*",
}


def test_grid_covers_every_action():
    assert set(EXPECTED) == set(Action)
    assert set(MATRIX) == set(Role)


@pytest.mark.parametrize(("short", "action"), list(itertools.product(ROLES, Action)))
def test_matrix_cell(short, action):
    scope = scope_of(ROLES[short], action)
    assert LETTER.get(scope, "") == EXPECTED[action].get(short, "")


def _actor(short: str) -> Actor:
    role = ROLES[short]
    home = frozenset({"HOME"}) if role in (Role.RESIDENT, Role.REFERENT) else frozenset()
    ref = frozenset({"REF"}) if role == Role.REFERENT else frozenset()
    commune = None if role == Role.PLATFORM_ADMIN else 1
    return Actor(role=role, member_id=10, commune_id=commune, sectors=home | ref, referent_sectors=ref)


# (commune, sector, member) contexts
CONTEXTS = {
    "own account": (1, "HOME", 10),
    "other member, home sector": (1, "HOME", 11),
    "other member, referent sector": (1, "REF", 11),
    "other sector of the commune": (1, "OTHER", 11),
    "other commune": (2, "REF", 11),
}


def _expected(short: str, letter: str, commune: int, sector: str, member: int) -> bool:
    """The rule spelled out: which contexts each scope letter reaches, for the test actors."""
    if letter == "":
        return False
    if letter == "s":
        return member == 10
    if letter == "*":
        return True
    if commune != 1:
        return False
    if letter == "C":
        return True
    home = {"HOME"} if short in (RES, R) else set()
    referent = {"REF"} if short == R else set()
    return sector in (home | referent if letter == "S" else referent)


@pytest.mark.parametrize(("short", "action", "context"), list(itertools.product(ROLES, Action, CONTEXTS)))
def test_can_respects_scope(short, action, context):
    commune, sector, member = CONTEXTS[context]
    actor = _actor(short)
    expected = _expected(short, EXPECTED[action].get(short, ""), commune, sector, member)
    got = can(actor, action, commune_id=commune, sector_code=sector, member_id=member, gendarmerie_open=True)
    assert got == expected
    if not expected:
        with pytest.raises(PermissionDeniedError, match="Action refusée"):
            require(actor, action, commune_id=commune, sector_code=sector, member_id=member, gendarmerie_open=True)


@pytest.mark.parametrize(
    "action", [Action.VIEW_ALERTS, Action.RECEIVE_ALERTS, Action.HANDLE_ALERTS, Action.VIEW_STATS, Action.VIEW_ABSENCES]
)
def test_gendarmerie_sees_nothing_while_access_closed(action):
    actor = _actor(G)
    assert can(actor, action, commune_id=1, gendarmerie_open=True)
    assert not can(actor, action, commune_id=1, gendarmerie_open=False)


@pytest.mark.parametrize("short", [R, AG, AD])
def test_unverified_account_may_only_act_on_itself(short):
    actor = Actor(**{**_actor(short).__dict__, "verified": False})
    for action in Action:
        letter = EXPECTED[action].get(short, "")
        got = can(actor, action, commune_id=1, sector_code="REF", member_id=10, gendarmerie_open=True)
        assert got == (letter == "s")


def test_an_unverified_resident_may_only_post_beyond_their_account():
    actor = Actor(**{**_actor(RES).__dict__, "verified": False})
    for action in Action:
        letter = EXPECTED[action].get(RES, "")
        got = can(actor, action, commune_id=1, sector_code="HOME", member_id=10, gendarmerie_open=True)
        assert got == (letter == "s" or action == Action.POST_ALERT), action
