"""« Carte de mes secteurs », property-style on both backends: alerts posted at random places of random sectors by
random members; a referent gets exact points for the alerts whose home sector they refer, all of them, and no
other; a resident or the gendarmerie gets none (refused); the mairie gets every sector's."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
import shapely
from alerts_support import BOURAY, T0, build_world, inner_point, who
from sqlalchemy import select

import services
from services import ServiceError, alerts
from services.maps import moderated_sectors_map
from store import transaction
from store._rls import bind_commune
from store.schema import Alert, AlertSector

SECTORS = [f"{c}{n}" for c in "ABC" for n in (1, 2, 3)]
AUTHORS = ["alice@a.fr", "bob@a.fr", "ref@a.fr", "mairie@a.fr"]
CATEGORIES = ["vol", "degradation", "demande-aide", "comportement-suspect"]


@pytest.fixture
def world(db_url, engine, shared_file):
    built = build_world(engine, shared_file)
    services.use_database(db_url)
    yield built
    services.use_database(None)
    services.reset_engine()


def _random_point(rng: random.Random, sector: shapely.Geometry) -> tuple[float, float]:
    """A random point well inside ``sector`` (its home sector is this one): a few tries, else its inner point."""
    inner = sector.buffer(-0.002)  # away from the edges (degrees: ~150 m)
    if not inner.is_empty:
        minx, miny, maxx, maxy = inner.bounds
        for _try in range(200):
            point = shapely.Point(rng.uniform(minx, maxx), rng.uniform(miny, maxy))
            if inner.contains(point):
                return point.x, point.y
    return inner_point(sector)


def _post_random(world, seed: int, n: int = 14) -> None:
    rng = random.Random(seed)
    for i in range(n):
        sector = rng.choice(SECTORS)
        lon, lat = _random_point(rng, world["geoms"][(BOURAY, sector)])
        author = who(world["engine"], rng.choice(AUTHORS))
        text = f"Fait numéro {i} observé près du carrefour, à vérifier."
        category = rng.choice(CATEGORIES)
        # Days apart: the rate limit is not what is tested here.
        alerts.post(
            author, category=category, text=text, lon=lon, lat=lat, confirm_new=True, now=T0 + timedelta(days=i)
        )


def _truth(world) -> dict[int, tuple[set[str], shapely.Point]]:
    """Every alert's home sectors and exact point, read from the database."""
    with transaction(world["engine"]) as s:
        bind_commune(s, world["bouray_id"])
        homes: dict[int, set[str]] = {}
        for alert_id, code in s.execute(select(AlertSector.alert_id, AlertSector.sector_code).where(AlertSector.home)):
            homes.setdefault(alert_id, set()).add(code)
        return {a.id: (homes.get(a.id, set()), a.location) for a in s.scalars(select(Alert)) if a.location is not None}


@pytest.mark.parametrize("seed", [7, 2026])
def test_exact_points_only_for_the_sectors_one_moderates(world, seed):
    _post_random(world, seed)
    truth = _truth(world)
    assert len(truth) == 14
    referent = moderated_sectors_map(who(world["engine"], "ref@a.fr"))
    assert referent.sectors == {"A1"}
    got = {p.alert_id: p for p in referent.points}
    # Exactly the alerts whose home sector is A1: every one, and no other (not the referent's own elsewhere).
    assert set(got) == {i for i, (homes, _p) in truth.items() if "A1" in homes}
    for alert_id, point in got.items():
        exact = truth[alert_id][1]
        assert (point.lon, point.lat) == pytest.approx((exact.x, exact.y), abs=1e-9)
        assert "A1" in point.home_sectors
    for email in ("alice@a.fr", "bob@a.fr", "gend@a.fr", "claire@a.fr"):
        with pytest.raises(ServiceError) as refused:
            moderated_sectors_map(who(world["engine"], email))
        assert refused.value.field == "actor", email
    mairie = moderated_sectors_map(who(world["engine"], "mairie@a.fr"))
    assert {p.alert_id for p in mairie.points} == set(truth)


def test_residents_feed_never_carries_exact_points_of_others(world):
    _post_random(world, 11)
    for email in ("alice@a.fr", "bob@a.fr"):
        actor = who(world["engine"], email)
        for alert in alerts.feed(actor, limit=200).alerts:
            assert alert.location["kind"] != "exact" or alert.mine, (email, alert.id)
