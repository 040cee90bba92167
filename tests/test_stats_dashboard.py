"""The « Tableau de bord » figures: the pure functions on hand-made records, then the service on both backends
(the Bouray world of test_stats_db: alerts posted, moderated, acknowledged and closed through ``alerts``)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pandas as pd
import pytest
from alerts_support import who
from test_stats_db import INSEE, world  # noqa: F401  (the fixture)

import services
from services import ServiceError
from stats._dashboard import (
    ACTIVE,
    IDLE,
    TO_FILL,
    acknowledgement_delays,
    dashboard_frame,
    delay_figures,
    feedback_share,
    hours_label,
    moderation_delays,
    percentile,
    sector_health,
    weekly_counts,
    weeks_between,
)

T = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # a Monday


def alert(i: int, *, created: datetime = T, category: str = "Vol", family: str = "securite", **kw) -> dict:
    base = {
        "id": i,
        "category": category,
        "family": family,
        "status": "published",
        "created_at": created,
        "published_at": created,
        "held": False,
        "decided_at": None,
        "gendarmerie_at": None,
        "gendarmerie_feedback": False,
    }
    return base | kw


# ---------------------------------------------------------------- percentiles
def test_percentile_interpolates_between_the_closest_ranks():
    assert percentile([], 50) is None
    assert percentile([7.0], 50) == 7.0 and percentile([7.0], 90) == 7.0
    assert percentile([1.0, 3.0], 50) == 2.0  # the mean of the two middle values
    assert percentile([3.0, 1.0, 2.0], 50) == 2.0  # order does not matter
    ten = [float(k) for k in range(1, 11)]
    assert percentile(ten, 90) == pytest.approx(9.1)  # a tenth of the way from the 9th to the 10th
    assert percentile(ten, 100) == 10.0 and percentile(ten, 0) == 1.0
    assert percentile([2.0, 2.0, 2.0, 50.0], 50) == 2.0  # ties
    with pytest.raises(ValueError):
        percentile(ten, 101)


def test_delays_are_withheld_below_the_minimum_sample():
    few = delay_figures([1.0, 2.0, 3.0, 4.0], pending=2, min_sample=5)
    assert few.withheld and few.median_h is None and few.p90_h is None
    assert few.count == 4 and few.pending == 2
    enough = delay_figures([1.0, 2.0, 3.0, 4.0, 100.0], pending=0, min_sample=5)
    assert not enough.withheld and enough.median_h == 3.0 and enough.p90_h == pytest.approx(61.6)
    none = delay_figures([], pending=3, min_sample=1)
    assert none.withheld and none.count == 0 and none.pending == 3
    assert delay_figures([float("nan"), 2.0], pending=0, min_sample=1).count == 1
    assert delay_figures([-1.0], pending=0, min_sample=1).median_h == 0.0  # clock skew, not a negative delay


# ---------------------------------------------------------------- delays from the records
def test_moderation_delay_counts_only_held_alerts_from_creation_to_first_decision():
    h = timedelta(hours=1)
    frame = dashboard_frame(
        [
            alert(1, held=True, decided_at=T + 2 * h),
            alert(2, held=True, decided_at=T + 4 * h, status="rejected", published_at=None),
            alert(3, held=True, decided_at=None, status="pending", published_at=None),  # still waiting
            alert(4, held=False),  # published at once: not moderated
        ]
    )
    figures = moderation_delays(frame, min_sample=1)
    assert figures.count == 2 and figures.pending == 1
    assert figures.median_h == 3.0 and figures.p90_h == pytest.approx(3.8)


def test_acknowledgement_delay_with_no_acknowledgement_at_all():
    frame = dashboard_frame([alert(1), alert(2), alert(3, status="pending", published_at=None)])
    figures = acknowledgement_delays(frame, min_sample=1)
    assert figures.count == 0 and figures.pending == 2 and figures.withheld and figures.median_h is None


def test_acknowledgement_delay_from_publication_to_the_gendarmerie():
    h = timedelta(hours=1)
    frame = dashboard_frame(
        [
            alert(k, created=T, published_at=T + h, gendarmerie_at=T + h + (k + 1) * h, status="acknowledged")
            for k in range(5)
        ]
        + [alert(9)]
    )
    figures = acknowledgement_delays(frame, min_sample=5)
    assert figures.count == 5 and figures.pending == 1
    assert figures.median_h == 3.0 and figures.p90_h == pytest.approx(4.6)


def test_feedback_share_is_over_visible_security_alerts():
    frame = dashboard_frame(
        [
            alert(1, status="closed", gendarmerie_feedback=True),
            alert(2),
            alert(3, family="solidarite", status="closed", gendarmerie_feedback=True),  # not security
            alert(4, status="rejected", published_at=None),  # never visible
            alert(5, status="withdrawn"),
        ]
    )
    share = feedback_share(frame)
    assert (share.part, share.whole) == (1, 2) and share.ratio == 0.5
    assert feedback_share(dashboard_frame([])).ratio is None


# ---------------------------------------------------------------- weeks
def test_weekly_counts_list_every_week_and_category_with_zeros():
    start = datetime(2026, 3, 4, tzinfo=UTC)  # a Wednesday: its week starts on Monday 2 March
    end = datetime(2026, 3, 25, tzinfo=UTC)  # a Wednesday, excluded
    frame = dashboard_frame(
        [
            alert(1, created=datetime(2026, 3, 4, 10, tzinfo=UTC), category="Vol"),
            alert(2, created=datetime(2026, 3, 5, 10, tzinfo=UTC), category="Vol"),
            alert(3, created=datetime(2026, 3, 20, 10, tzinfo=UTC), category="Dégradation"),
            alert(4, created=datetime(2026, 3, 10, tzinfo=UTC), category="Vol", status="rejected"),  # not shown
            alert(5, created=datetime(2026, 3, 1, tzinfo=UTC), category="Vol"),  # before the period
        ]
    )
    weeks = weeks_between(start, end)
    assert weeks == [date(2026, 3, 2), date(2026, 3, 9), date(2026, 3, 16), date(2026, 3, 23)]
    counts = {(c.week, c.category): c.count for c in weekly_counts(frame, start, end)}
    assert len(counts) == 4 * 2  # every week x every category of the period
    assert counts[(date(2026, 3, 2), "Vol")] == 2
    assert counts[(date(2026, 3, 9), "Vol")] == 0 and counts[(date(2026, 3, 9), "Dégradation")] == 0  # empty week
    assert counts[(date(2026, 3, 16), "Dégradation")] == 1
    assert weekly_counts(dashboard_frame([]), start, end) == ()


def test_weeks_follow_the_paris_calendar():
    # Sunday 23:30 UTC in summer is Monday 01:30 in Paris: the next week.
    late = datetime(2026, 7, 5, 23, 30, tzinfo=UTC)
    frame = dashboard_frame([alert(1, created=late)])
    (count,) = weekly_counts(frame, late - timedelta(hours=1), late + timedelta(hours=1))[-1:]
    assert count.week == date(2026, 7, 6) and count.count == 1
    assert weeks_between(late, late) == []


# ---------------------------------------------------------------- sector health
def test_sector_health_members_referents_and_idle_sectors():
    now = datetime(2026, 11, 15, tzinfo=UTC)
    sectors = [
        {"code": "A", "name": "Les Tilleuls", "households": 40, "referent_places": 2},
        {"code": "B", "name": "Le Bourg", "households": None, "referent_places": 1},
        {"code": "C", "name": "La Gare", "households": 0, "referent_places": 1},
    ]
    members = pd.DataFrame(
        [
            {"sector_code": "A", "role": "resident", "status": "verified", "assignment": False},
            {"sector_code": "A", "role": "resident", "status": "verified", "assignment": False},
            {"sector_code": "A", "role": "resident", "status": "pending", "assignment": False},  # not counted
            {"sector_code": "B", "role": "referent", "status": "verified", "assignment": False},
            {"sector_code": "B", "role": "referent", "status": "verified", "assignment": True},
        ]
    )
    last = {"A": now - timedelta(days=10), "B": now - timedelta(days=89), "C": now - timedelta(days=91)}
    health = {h.code: h for h in sector_health(sectors, members, last, now)}
    a, b, c = health["A"], health["B"], health["C"]
    assert (a.members, a.referents, a.referent_places, a.state) == (2, 0, 2, TO_FILL)
    assert a.participation_pct == pytest.approx(5.0)
    assert (b.members, b.referents, b.state) == (1, 1, ACTIVE) and b.participation_pct is None
    assert c.idle and c.state == IDLE and c.participation_pct is None  # no household: no rate
    never = sector_health([{"code": "D", "name": "D", "households": 3}], members, {}, now)[0]
    assert never.idle and never.last_alert is None


def test_sector_health_without_member_figures():
    now = datetime(2026, 11, 15, tzinfo=UTC)
    sectors = [{"code": "A", "name": "A", "households": 40, "referent_places": 2}]
    (h,) = sector_health(sectors, None, {"A": now}, now)
    assert h.members is None and h.referents is None and h.referent_places is None
    assert h.state == ACTIVE  # only activity colours the sector
    assert h.participation_pct is None


def test_hours_label():
    assert hours_label(None) == "—" and hours_label(0.5) == "30 min"
    assert hours_label(3.5) == "3,5 h" and hours_label(72.0) == "3,0 jours"


# ---------------------------------------------------------------- the service, both backends
@pytest.fixture
def served(world):  # noqa: F811
    services.use_database(world["engine"].url.render_as_string(hide_password=False))
    yield world
    services.use_database(None)
    services.reset_engine()


Q3 = (datetime(2026, 6, 30, 22, tzinfo=UTC), datetime(2026, 9, 30, 22, tzinfo=UTC))  # Paris time
NOW = datetime(2026, 11, 15, tzinfo=UTC)


def test_the_mairie_reads_the_dashboard(served):
    from services.stats import dashboard

    engine, codes = served["engine"], served["codes"]
    board = dashboard(who(engine, "mairie@bouray.fr"), *Q3, now=NOW)
    assert board.insee == INSEE and board.members_shown
    assert len(board.weeks) == 14 and board.weeks[0] == date(2026, 6, 29)
    per = pd.DataFrame([c.__dict__ for c in board.per_week])
    assert per.groupby("category")["count"].sum().to_dict() == {
        "Cambriolage ou tentative": 7,
        "Dégradation": 1,
        "Vol": 2,
    }
    assert len(per) == 14 * 3 and (per.groupby("week")["count"].sum() == 0).sum() >= 5  # quiet weeks kept
    # 12 alerts held (pre-moderation): 9 decided after 2 h, 2 after 4 h, 1 still pending.
    mod = board.moderation
    assert (mod.count, mod.pending, mod.median_h, mod.p90_h) == (11, 1, 2.0, 4.0)
    # The gendarmerie took up one alert of the ten published, 1 h after publication: too few to show.
    ack = board.acknowledgement
    assert (ack.count, ack.pending, ack.withheld, ack.median_h) == (1, 9, True, None)
    assert (board.feedback.part, board.feedback.whole) == (1, 10)
    health = {h.code: h for h in board.sectors}
    a, b, c = health[codes["a"]], health[codes["b"]], health[codes["c"]]
    assert a.members == 3 and a.referents == 1 and a.referent_places == 2 and a.state == TO_FILL
    assert b.idle and b.state == IDLE  # last alert on 10 August, 97 days before
    assert not c.idle  # 5 September
    assert sum(h.idle for h in board.sectors) == len(board.sectors) - 2


def test_the_gendarmerie_reads_it_only_while_open_and_without_members(served):
    from community import Actor, get_commune, set_gendarmerie_access
    from services.stats import dashboard
    from store import transaction

    engine = served["engine"]
    gendarmerie = who(engine, "gend@bouray.fr")
    board = dashboard(gendarmerie, *Q3, now=NOW)
    assert not board.members_shown
    assert all(h.members is None and h.referents is None for h in board.sectors)
    assert {h.state for h in board.sectors} <= {ACTIVE, IDLE}
    with transaction(engine) as s:
        set_gendarmerie_access(s, Actor.operator(), get_commune(s, INSEE), False)
    with pytest.raises(ServiceError) as refused:
        dashboard(gendarmerie, *Q3, now=NOW)
    assert refused.value.field == "actor"


@pytest.mark.parametrize("email", ["habitant0@a.fr", "ref@b.fr"])
def test_residents_and_referents_are_refused(served, email):
    from services.stats import dashboard

    with pytest.raises(ServiceError):
        dashboard(who(served["engine"], email), *Q3, now=NOW)


def test_an_empty_period_and_a_naive_date_are_refused_in_french(served):
    from services.stats import dashboard

    mairie = who(served["engine"], "mairie@bouray.fr")
    with pytest.raises(ServiceError) as empty:
        dashboard(mairie, Q3[1], Q3[0], now=NOW)
    assert empty.value.field == "period" and "période" in empty.value.message
    with pytest.raises(ServiceError) as naive:
        dashboard(mairie, datetime(2026, 7, 1), None, now=NOW)
    assert naive.value.field == "period"
    quiet = dashboard(mairie, datetime(2025, 1, 1, tzinfo=UTC), datetime(2025, 2, 1, tzinfo=UTC), now=NOW)
    assert quiet.per_week == () and quiet.moderation.count == 0 and quiet.feedback.ratio is None


def test_recent_quarters():
    from stats._dashboard import recent_quarters

    assert recent_quarters(date(2026, 2, 10), 3) == ["2026-Q1", "2025-Q4", "2025-Q3"]
    assert recent_quarters(date(2026, 12, 31), 1) == ["2026-Q4"]
