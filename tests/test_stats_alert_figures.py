"""Alert figures and scheme monitoring over plain records (pure)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest

from gis import InputError
from stats import (
    CATEGORY_INDICATORS,
    IndicatorLine,
    alerts_frame,
    categories_beside_ssmsi,
    counts_by,
    hide_small,
    members_frame,
    monitoring,
    parse_quarter,
    rates_by_sector,
    sectors_frame,
)

T0 = datetime(2026, 7, 1, 8, 0, tzinfo=UTC)


def _alert(i, category, sector, *, days=0, status="published", pub_min=30, ack_h=None, by=None, feedback=False):
    created = T0 + timedelta(days=days)
    published = created + timedelta(minutes=pub_min) if status not in ("rejected", "pending") else None
    ack = published + timedelta(hours=ack_h) if ack_h is not None and published else None
    return {
        "id": i,
        "category": category,
        "sector_code": sector,
        "created_at": created,
        "published_at": published,
        "acknowledged_at": ack,
        "acknowledged_by": by,
        "closed_at": None,
        "gendarmerie_feedback": feedback,
        "status": status,
        "lon": 2.3,
        "lat": 48.5,
    }


@pytest.fixture
def alerts():
    records = [_alert(i, "cambriolage ou tentative", "A", days=i) for i in range(7)]
    records += [_alert(10 + i, "vol", "B", days=40 + i, ack_h=2.0, by="mairie") for i in range(3)]
    records += [_alert(20, "dégradation", None, days=70, ack_h=10.0, by="gendarmerie", feedback=True)]
    records += [_alert(30, "vol", "B", status="rejected"), _alert(31, "vol", "A", status="pending")]
    return alerts_frame(records)


@pytest.fixture
def sectors():
    return sectors_frame(
        [
            {"code": "A", "name": "Centre", "households": 350},
            {"code": "B", "name": "Gare", "households": 120},
            {"code": "C", "name": "Hameau", "households": 40},
        ]
    )


def test_counts_by_category_sector_month(alerts):
    by_cat = dict(zip(*counts_by(alerts, "category").T.values, strict=True))
    assert by_cat == {"cambriolage ou tentative": 7, "vol": 3, "dégradation": 1}  # rejected/pending not counted
    by_sector = counts_by(alerts, "sector_code").set_index("sector_code")["count"].to_dict()
    assert by_sector == {"A": 7, "B": 3, "(hors secteur)": 1}
    by_month = counts_by(alerts, "month").set_index("month")["count"].to_dict()
    assert by_month == {"2026-07": 7, "2026-08": 3, "2026-09": 1}
    assert counts_by(alerts, "category", "month")["count"].sum() == 11
    with pytest.raises(InputError):
        counts_by(alerts, "author")


def test_month_follows_the_mairie_calendar():
    # 23:30 UTC on 31 July is already August in Paris.
    frame = alerts_frame([{**_alert(1, "vol", "A"), "created_at": datetime(2026, 7, 31, 23, 30, tzinfo=UTC)}])
    assert frame["month"].tolist() == ["2026-08"]


def test_rates_and_small_counts_hidden_from_residents(alerts, sectors):
    rates = rates_by_sector(alerts, sectors)
    row = rates.set_index("code")
    assert row.loc["A", "count"] == 7 and row.loc["A", "rate_per_1000_households"] == pytest.approx(20.0)
    assert row.loc["B", "rate_per_1000_households"] == pytest.approx(25.0)
    assert row.loc["C", "count"] == 0
    resident = hide_small(rates, "resident", 5).set_index("code")
    assert resident.loc["A", "count"] == 7 and not resident.loc["A", "hidden"]
    assert pd.isna(resident.loc["B", "count"]) and pd.isna(resident.loc["B", "rate_per_1000_households"])
    assert resident.loc["B", "hidden"]
    assert resident.loc["C", "count"] == 0 and not resident.loc["C", "hidden"]  # zero reveals no one
    referent = hide_small(rates, "referent", 5).set_index("code")
    assert referent.loc["B", "hidden"]
    for staff in ("mairie-agent", "mairie_admin", "gendarmerie", "platform-admin"):
        shown = hide_small(rates, staff, 5).set_index("code")
        assert shown.loc["B", "count"] == 3 and not shown["hidden"].any()


def test_monitoring(alerts, sectors):
    members = members_frame(
        [{"sector_code": "A", "role": "resident", "status": "verified"}] * 35
        + [{"sector_code": "A", "role": "referent", "status": "verified"}]
        + [{"sector_code": "B", "role": "resident", "status": "pending"}] * 4
        + [{"sector_code": "C", "role": "referent", "status": "verified"}] * 2
    )
    mon = monitoring(alerts, sectors, members)
    assert mon.alerts_published == 11 and mon.alerts_rejected == 1
    assert mon.moderation_delay_h == pytest.approx(0.5)
    assert mon.acknowledgement_delay_h == pytest.approx(2.0)  # median of 2, 2, 2, 10
    assert mon.acknowledgement_delay_by == {"gendarmerie": pytest.approx(10.0), "mairie": pytest.approx(2.0)}
    assert mon.gendarmerie_feedback_share == pytest.approx(1 / 11)
    table = mon.sectors.set_index("code")
    assert table.loc["A", "members"] == 36 and table.loc["A", "participation_pct"] == pytest.approx(36 / 3.5)
    assert table.loc["B", "members"] == 0  # pending members do not count
    assert mon.sectors_without_referent == ["Gare"]


def test_categories_beside_ssmsi(alerts):
    line = IndicatorLine(
        "cambriolages_logement", "Cambriolages de logement", "", "logements", True, 27, 10.58, None, None, 4033, 3.04
    )
    withheld = IndicatorLine(
        "destructions_degradations", "Destructions", "", "population", False, None, None, 1.0, 0.5, 10703, 8.08
    )
    table = categories_beside_ssmsi(alerts, [line, withheld])
    burglary = table[table["category"] == "cambriolage ou tentative"].iloc[0]
    assert burglary["alerts"] == 7 and burglary["ssmsi_count"] == 27 and burglary["dep_rate"] == 3.04
    damage = table[table["category"] == "dégradation"].iloc[0]
    assert damage["published"] is False or damage["published"] == False  # noqa: E712
    assert damage["ssmsi_count"] is None or pd.isna(damage["ssmsi_count"])
    assert set(table["category"]) == set(CATEGORY_INDICATORS)


def test_quarter_parsing():
    start, end = parse_quarter("2026-Q3")
    assert start.month == 7 and end.month == 10 and str(start.tz) == "Europe/Paris"
    assert parse_quarter("2026-t4") == (
        pd.Timestamp("2026-10-01", tz="Europe/Paris"),
        pd.Timestamp("2027-01-01", tz="Europe/Paris"),
    )
    for bad in ("2026-Q5", "2026Q3", "T3-2026"):
        with pytest.raises(InputError, match="Trimestre"):
            parse_quarter(bad)


def test_incomplete_records_refused():
    with pytest.raises(InputError, match="champs manquants"):
        alerts_frame([{"id": 1, "category": "vol"}])
    assert alerts_frame([]).empty


def test_secondary_suppression():
    table = pd.DataFrame({"category": ["a", "b", "c", "d"], "count": pd.array([7, 3, 9, 0], dtype="Int64")})
    resident = hide_small(table, "resident", 5).set_index("category")
    # "b" alone hidden would be total - 7 - 9: the next smallest ("a") goes too; zero stays shown.
    assert resident["hidden"].to_dict() == {"a": True, "b": True, "c": False, "d": False}
    assert resident.loc["c", "count"] == 9 and resident.loc["d", "count"] == 0
    two = pd.DataFrame({"category": ["a", "b", "c"], "count": pd.array([2, 3, 9], dtype="Int64")})
    assert hide_small(two, "resident", 5)["hidden"].tolist() == [True, True, False]
    assert not hide_small(table, "gendarmerie", 5)["hidden"].any()


def test_alerts_of_a_former_sector_code_are_counted_not_lost() -> None:
    from stats._alert_figures import FORMER

    now = pd.Timestamp("2026-07-02T10:00Z")
    base = {
        "created_at": now,
        "published_at": now,
        "acknowledged_at": None,
        "acknowledged_by": None,
        "closed_at": None,
        "gendarmerie_feedback": False,
        "status": "published",
        "lon": 2.3,
        "lat": 48.5,
    }
    records = [
        {**base, "id": 1, "category": "vol", "sector_code": "S001"},
        {**base, "id": 2, "category": "vol", "sector_code": "S099"},  # a code the active set no longer has
        {**base, "id": 3, "category": "vol", "sector_code": None},
    ]
    sectors = sectors_frame([{"code": "S001", "name": "Nord", "households": 100}])
    out = rates_by_sector(alerts_frame(records), sectors).set_index("code")["count"].to_dict()
    assert out == {"S001": 1, "(hors secteur)": 1, FORMER: 1}
