"""Alerts' rights agree with the permission matrix of ``community``, cell by cell.

First, pure: for every role, every action and every scope context (own account, home sector, referent sector,
another sector, another commune), in every account state (verified, not verified, suspended) and with the
gendarmerie's access open or closed, what the alerts' :class:`alerts.Viewer` allows is what :func:`community.can`
allows. Then, in the store on both backends: who reads, moderates, posts, acknowledges and broadcasts what is
exactly what the matrix says.
"""

from __future__ import annotations

import itertools

import pytest
from alerts_support import BOURAY, T0, add_member, build_world, inner_point, who
from sqlalchemy import select

from alerts import AlertConfig, Viewer, acknowledge_alert, feed, moderate, post_alert
from community import Action, Actor, Role, can, get_commune, set_gendarmerie_access
from gis import InputError
from store import transaction
from store.schema import Commune

CONTEXTS = {  # (commune, sector of the alert, account concerned)
    "own account": (1, None, 10),
    "home sector": (1, "HOME", 11),
    "referent sector": (1, "REF", 11),
    "other sector": (1, "OTHER", 11),
    "other commune": (2, "REF", 11),
}
STATES = {
    "verified": ("verified", True, True),
    "pending": ("pending", False, True),
    "suspended": ("suspended", True, False),
}


def _pair(role: Role, state: str, gendarmerie_open: bool) -> tuple[Viewer, Actor]:
    status, verified, active = STATES[state]
    home = "HOME" if role in (Role.RESIDENT, Role.REFERENT) else None
    referent = frozenset({"REF"}) if role == Role.REFERENT else frozenset()
    viewer = Viewer(
        member_id=10, commune_id=1, insee="00000", crs_epsg=2154, role=role.value, name="x", verified=verified,
        active=active, sector_code=home, referent_codes=referent, gendarmerie_open=gendarmerie_open, state=status,
    )  # fmt: skip
    actor = Actor(
        role=role,
        member_id=10,
        commune_id=1,
        sectors=referent | ({home} if home else frozenset()),
        referent_sectors=referent,
        verified=verified,
    )
    return viewer, actor


@pytest.mark.parametrize(
    ("role", "action", "state", "gendarmerie_open"),
    list(itertools.product(Role, Action, STATES, (True, False))),
)
def test_the_viewer_decides_as_the_matrix(role: Role, action: Action, state: str, gendarmerie_open: bool) -> None:
    viewer, actor = _pair(role, state, gendarmerie_open)
    for context, (commune, sector, member) in CONTEXTS.items():
        expected = can(
            actor, action, commune_id=commune, sector_code=sector, member_id=member, gendarmerie_open=gendarmerie_open
        )
        if STATES[state][2] is False:  # a suspension stops everything the alerts do
            expected = False
        if commune != viewer.commune_id:
            continue  # the alerts never see another commune's rows (row-level security, commune-bound reads)
        if member == actor.member_id:
            continue  # the own account: acting on one's own alerts is the author rule, below
        got = viewer.may(action, {sector} if sector else set())
        assert got == expected, (context, got, expected)


# ---------------------------------------------------------------- in the store, on both backends
CONFIG = AlertConfig(rate_posts=100, duplicate_radius_m=0.0)
SECTORS = ("A1", "B2", "C3")  # the referent's referent sector, their home, another one
VIEWERS = {
    "alice@a.fr": "resident, home A1",
    "ref@a.fr": "referent of A1, home B2",
    "mairie@a.fr": "mairie agent",
    "admin@a.fr": "mairie admin",
    "gend@a.fr": "gendarmerie",
}


@pytest.fixture
def world(engine, shared_file):
    built = build_world(engine, shared_file)
    with transaction(engine) as s:
        add_member(s, s.get(Commune, built["bouray_id"]), "admin@a.fr", role="mairie_admin")
    return built


def _post(world, email: str, sector: str, category: str = "vol") -> int:
    lon, lat = inner_point(world["geoms"][(BOURAY, sector)])
    text = "Vélo volé devant le portail cette nuit." if category == "vol" else "Message à toute la commune."
    return post_alert(
        world["engine"], who(world["engine"], email), category=category, text=text, lon=lon, lat=lat, config=CONFIG,
        now=T0, confirm_new=True,
    ).alert_id  # fmt: skip


def _try(call) -> bool:
    try:
        call()
    except InputError:
        return False
    return True


def _reset(engine, alert_id: int, status: str) -> None:
    """Put an alert back in ``status`` for the next viewer (every alert here is Bouray's)."""
    from store.schema import Alert

    with transaction(engine) as s:
        get_commune(s, BOURAY)
        s.get(Alert, alert_id).status = status


def _check(world, email: str, published: dict[str, int], pending: dict[str, int], gendarmerie_open: bool) -> None:
    engine = world["engine"]
    actor = who(engine, email)

    def allowed(action: Action, sector: str | None = None) -> bool:
        return can(actor, action, commune_id=world["bouray_id"], sector_code=sector, gendarmerie_open=gendarmerie_open)

    seen = {a["id"] for a in feed(engine, actor, now=T0, config=CONFIG)}
    for code in SECTORS:
        assert (published[code] in seen) == allowed(Action.VIEW_ALERTS, code), (email, "read", code)
        assert (pending[code] in seen) == allowed(Action.MODERATE_ALERTS, code), (email, "moderation", code)
    for code in SECTORS:
        ok = _try(lambda c=code: moderate(engine, pending[c], actor, approve=True, config=CONFIG, now=T0))
        assert ok == allowed(Action.MODERATE_ALERTS, code), (email, "moderate", code)
        if ok:
            _reset(engine, pending[code], "pending")
    acknowledged = _try(lambda: acknowledge_alert(engine, published["C3"], actor, now=T0))
    assert acknowledged == allowed(Action.HANDLE_ALERTS, "C3"), (email, "acknowledge")
    if acknowledged:
        _reset(engine, published["C3"], "published")
    assert _try(lambda: _post(world, email, "C3")) == allowed(Action.POST_ALERT, "C3"), (email, "post")
    official = "message-gendarmerie" if actor.role == Role.GENDARMERIE else "message-mairie"
    broadcast = _try(lambda: _post(world, email, "C3", category=official))
    assert broadcast == allowed(Action.BROADCAST), (email, "broadcast")


@pytest.mark.parametrize("gendarmerie_open", [True, False])
def test_the_store_decides_as_the_matrix(world, gendarmerie_open: bool) -> None:
    engine = world["engine"]
    with transaction(engine) as s:
        set_gendarmerie_access(s, Actor.operator(), get_commune(s, BOURAY), gendarmerie_open)
    published = {code: _post(world, "bob@a.fr", code) for code in SECTORS}
    pending = {code: _post(world, "claire@a.fr", code) for code in SECTORS}  # not verified: held
    for email in VIEWERS:
        _check(world, email, published, pending, gendarmerie_open)


def test_the_operator_neither_reads_nor_posts(world) -> None:
    operator = Actor.operator()
    assert not any(can(operator, a, commune_id=world["bouray_id"]) for a in (Action.VIEW_ALERTS, Action.POST_ALERT))
    with pytest.raises(InputError):
        feed(world["engine"], operator, now=T0)
    with transaction(world["engine"]) as s:
        assert s.scalar(select(Commune.id).where(Commune.insee == BOURAY)) == world["bouray_id"]
