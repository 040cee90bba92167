"""Holiday watch (absences): seen by the mairie, the open gendarmerie and one trusted neighbour only; alerts near
an absent member's home flagged to them alone. Both backends."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import numpy as np
import pytest
from members_support import BAN_FILE, add_resident, add_staff, build_world, world_actor, world_member

from community import (
    Actor,
    PermissionDeniedError,
    absence_flags,
    assign_referent,
    cancel_absence,
    declare_absence,
    get_commune,
    set_gendarmerie_access,
    visible_absences,
)
from gis import InputError, transform_xy
from store import transaction
from store.schema import Role

TODAY = datetime.now(UTC).date()
ADDRESSES = ("32 rue Gérard", "33 rue Gérard", "10 rue du Père Guérin", "36 rue Gérard")


@pytest.fixture
def world(engine, shared_file):
    build_world(engine, shared_file(BAN_FILE))
    ids = {
        "away": add_resident(engine, "away@exemple.fr", ADDRESSES[0]),
        "trusted": add_resident(engine, "trusted@exemple.fr", ADDRESSES[1]),
        "other": add_resident(engine, "other@exemple.fr", ADDRESSES[2]),
        "referent": add_resident(engine, "ref@exemple.fr", ADDRESSES[3]),
        "agent": add_staff(engine, "agent@mairie.fr", Role.MAIRIE_AGENT),
        "gendarme": add_staff(engine, "g@gendarmerie.fr", Role.GENDARMERIE),
    }
    with transaction(engine) as session:
        commune = get_commune(session, "75113")
        away = world_member(session, ids["away"])
        assign_referent(session, Actor.operator(), commune, away.sector_code, world_member(session, ids["referent"]))
    return ids


def declare(engine, world, *, trusted: bool = True, days: tuple[int, int] = (0, 14)) -> int:
    with transaction(engine) as session:
        away = world_member(session, world["away"])
        absence = declare_absence(
            session,
            Actor.of_member(away),
            away,
            TODAY + timedelta(days=days[0]),
            TODAY + timedelta(days=days[1]),
            trusted=world_member(session, world["trusted"]) if trusted else None,
        )
        return absence.id


def seen_by(engine, member_id: int) -> list[int]:
    with transaction(engine) as session:
        who = world_actor(session, member_id)
        return [a.member_id for a in visible_absences(session, who, who.commune_id)]


def home_xy(engine, member_id: int, shift_m: float = 0.0) -> tuple[float, float]:
    with transaction(engine) as session:
        member = world_member(session, member_id)
        x, y = transform_xy(np.array([member.lon]), np.array([member.lat]), 4326, 2154)
    return float(x[0]) + shift_m, float(y[0])


def test_only_the_mairie_the_open_gendarmerie_and_the_trusted_neighbour_see_an_absence(engine, world) -> None:
    declare(engine, world)
    assert seen_by(engine, world["agent"]) == [world["away"]]
    assert seen_by(engine, world["trusted"]) == [world["away"]]
    assert seen_by(engine, world["referent"]) == []  # the referent of the absent member's sector
    assert seen_by(engine, world["other"]) == []
    assert seen_by(engine, world["gendarme"]) == []  # access closed
    with transaction(engine) as session:
        set_gendarmerie_access(session, Actor.operator(), get_commune(session, "75113"), True)
    assert seen_by(engine, world["gendarme"]) == [world["away"]]
    with transaction(engine) as session:
        set_gendarmerie_access(session, Actor.operator(), get_commune(session, "75113"), False)
    assert seen_by(engine, world["gendarme"]) == []


def test_alerts_near_an_absent_home_are_flagged_to_those_who_may_see_it(engine, world) -> None:
    absence_id = declare(engine, world, days=(1, 10))
    near = home_xy(engine, world["away"], 60.0)
    far = home_xy(engine, world["away"], 140.0)
    during = datetime.now(UTC) + timedelta(days=3)
    before = datetime.now(UTC)
    alerts = [(1, *near, during), (2, *far, during), (3, *near, before), (4, None, None, during)]

    def flags(member_id: int) -> list[tuple[int, int]]:
        with transaction(engine) as session:
            who = world_actor(session, member_id)
            return [(f.alert_id, f.absence.id) for f in absence_flags(session, who, who.commune_id, alerts)]

    assert flags(world["agent"]) == [(1, absence_id)]
    assert flags(world["trusted"]) == [(1, absence_id)]
    for nobody in ("referent", "other", "gendarme", "away"):
        assert flags(world[nobody]) == [], nobody
    with transaction(engine) as session:
        cancel_absence(session, world_actor(session, world["away"]), absence_id)
    assert flags(world["agent"]) == []


def test_only_one_s_own_absence_can_be_declared(engine, world) -> None:
    with transaction(engine) as session:
        away = world_member(session, world["away"])
        for someone in ("other", "agent", "referent"):
            with pytest.raises(PermissionDeniedError):
                declare_absence(session, world_actor(session, world[someone]), away, TODAY, TODAY + timedelta(days=2))


@pytest.mark.parametrize(
    ("days", "field"),
    [((5, 2), "ends_on"), ((-10, -3), "ends_on"), ((0, 120), "ends_on")],
)
def test_bad_periods_are_refused_in_french(engine, world, days, field) -> None:
    with pytest.raises(InputError) as caught:
        declare(engine, world, days=days)
    assert caught.value.field == field


def test_the_trusted_neighbour_is_another_verified_member(engine, world) -> None:
    pending = add_resident(engine, "pending@exemple.fr", ADDRESSES[1], verified=False)
    with transaction(engine) as session:
        away = world_member(session, world["away"])
        for bad in (world["away"], pending):
            with pytest.raises(InputError) as caught:
                declare_absence(
                    session,
                    Actor.of_member(away),
                    away,
                    TODAY,
                    TODAY + timedelta(days=3),
                    trusted=world_member(session, bad),
                )
            assert caught.value.field == "trusted"


def test_an_unverified_member_cannot_declare(engine, world) -> None:
    pending = add_resident(engine, "pending@exemple.fr", ADDRESSES[1], verified=False)
    with transaction(engine) as session:
        member = world_member(session, pending)
        with pytest.raises(InputError):
            declare_absence(session, Actor.of_member(member), member, TODAY, TODAY + timedelta(days=3))


def test_period_bounds_are_inclusive() -> None:
    from community._absences import near_homes

    homes = [(7, 0.0, 0.0, date(2026, 7, 1), date(2026, 7, 15))]
    points = [(1, 10.0, 0.0, date(2026, 7, 1)), (2, 10.0, 0.0, date(2026, 7, 15)), (3, 10.0, 0.0, date(2026, 7, 16))]
    assert [a for a, _, _ in near_homes(points, homes, 100.0)] == [1, 2]
    assert near_homes([(1, 100.0, 0.0, date(2026, 7, 2))], homes, 100.0) == [(1, 7, 100.0)]


# ---------------------------------------------------------------------- through the services
@pytest.fixture
def served(db_url, engine, world):
    import services

    services.use_database(db_url)
    yield world
    services.use_database(None)
    services.reset_engine()


def test_the_services_declare_list_and_cancel(engine, served) -> None:
    from services import ServiceError, absences

    with transaction(engine) as session:
        away, agent, referent, trusted = (
            world_actor(session, served[k]) for k in ("away", "agent", "referent", "trusted")
        )
    shown = absences.declare(away, TODAY, TODAY + timedelta(days=7), trusted_email="trusted@exemple.fr")
    assert (shown.member_id, shown.trusted_member_id) == (served["away"], served["trusted"])
    assert [a.id for a in absences.mine(away)] == [shown.id]
    assert [a.id for a in absences.visible(agent)] == [shown.id]
    assert [a.id for a in absences.visible(trusted)] == [shown.id]
    assert absences.visible(referent) == []
    with pytest.raises(ServiceError) as caught:
        absences.declare(away, TODAY, TODAY + timedelta(days=3), trusted_email="nobody@exemple.fr")
    assert caught.value.field == "trusted"
    with pytest.raises(ServiceError) as caught:
        absences.declare(Actor.operator(), TODAY, TODAY + timedelta(days=3))
    absences.cancel(away, shown.id)
    assert absences.visible(agent) == [] and absences.mine(away) == []
