"""The figures of the « Tableau de bord » (mairie; gendarmerie while its access is open), as pure functions.

Dashboard alert record (:data:`DASHBOARD_FIELDS`; one per alert created in the period)
    ``id``, ``category`` (the commune's label), ``family`` (``securite``, ``solidarite``, ``officiel``),
    ``status``, ``created_at`` (aware), ``published_at`` (None: never published), ``held`` (bool: routed to
    moderation rather than published at once), ``decided_at`` (the first moderator decision, *approve* or
    *reject*, of the history; None: none yet), ``gendarmerie_at`` (the first *acknowledge* or *close* move
    of a gendarmerie member; None: none) and ``gendarmerie_feedback`` (bool: a gendarmerie member closed
    it, and a closing always carries a word of feedback).

Definitions (what the page and the report print under each figure)
    Alerts per week
        Alerts visible to residents (published, acknowledged or closed) counted by the week of their
        creation (weeks start on Monday, Europe/Paris) and by category. Every week of the period is listed,
        a week without alerts with zeros, so a quiet week shows as a gap and not as nothing.
    Moderation delay
        For each alert held for moderation: first decision (approval or refusal) minus creation. Alerts
        published at once (verified author, no pre-moderation, nothing found by the checks) were not
        moderated and are left out; alerts still waiting for a decision are counted apart.
    Acknowledgement delay
        For each alert published in the period: first gendarmerie acknowledgement minus publication. A
        closing by the gendarmerie counts as its acknowledgement (once the mairie has acknowledged an alert,
        the gendarmerie can only close it). Published alerts it has not taken up are counted apart.
    Median, 90th percentile
        Linear interpolation between the closest ranks (Hyndman & Fan type 7, numpy's default): the median
        of an even number of delays is the mean of the two middle ones; the 90th percentile of ten delays
        lies one tenth of the way from the 9th to the 10th. Fewer delays than the minimum sample: no figure
        (a median of two alerts describes one person's day, not the scheme).
    Feedback share
        Of the security alerts published in the period (family ``securite``), the share the gendarmerie
        closed with feedback.
    Sector health
        Per sector of the active set: verified members living there against its households (numbered BAN
        addresses), referent places filled (open assignments of verified referents against the places the
        mairie set), and the date of the last alert located in the sector; a sector with no alert for
        :data:`IDLE_DAYS` days is idle. Member figures only for readers the permission matrix lets list
        members (the mairie); the gendarmerie sees the sectors' activity only.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd

from stats._alert_figures import PUBLISHED_STATES, TIMEZONE

DASHBOARD_FIELDS = (
    "id",
    "category",
    "family",
    "status",
    "created_at",
    "published_at",
    "held",
    "decided_at",
    "gendarmerie_at",
    "gendarmerie_feedback",
)
SECURITY = "securite"
IDLE_DAYS = 90
# Sector health classes: (key, French legend). The page and the report colour them the same way.
IDLE, TO_FILL, ACTIVE = "inactif", "a_pourvoir", "actif"
HEALTH_LABELS = {
    IDLE: f"Aucune alerte depuis {IDLE_DAYS} jours",
    TO_FILL: "Places de référent à pourvoir",
    ACTIVE: "Secteur actif",
}


@dataclass(frozen=True)
class WeekCount:
    """Alerts of one category created in the week starting on Monday ``week``."""

    week: date
    category: str
    count: int


@dataclass(frozen=True)
class DelayFigures:
    """Median and 90th percentile of a delay, in hours, over ``count`` measured delays.

    ``pending`` alerts have not reached the second event yet (not measured); ``withheld`` is true when
    ``count`` is below the minimum sample (then ``median_h`` and ``p90_h`` are None).
    """

    count: int
    pending: int
    median_h: float | None
    p90_h: float | None
    withheld: bool


@dataclass(frozen=True)
class Share:
    """``part`` of ``whole`` (``ratio`` None when ``whole`` is zero)."""

    part: int
    whole: int

    @property
    def ratio(self) -> float | None:
        """``part / whole``, None for an empty whole."""
        return self.part / self.whole if self.whole else None


@dataclass(frozen=True)
class SectorHealth:
    """One sector's health. Member figures are None when the reader may not list members."""

    code: str
    name: str
    households: int | None
    members: int | None
    referent_places: int | None
    referents: int | None
    last_alert: datetime | None
    idle: bool
    state: str  # IDLE, TO_FILL or ACTIVE

    @property
    def participation_pct(self) -> float | None:
        """Verified members per 100 households (None when either is unknown or there are no households)."""
        if self.members is None or not self.households:
            return None
        return self.members * 100.0 / self.households


def percentile(values: Sequence[float], q: float) -> float | None:
    """The ``q``-th percentile (0-100) of ``values`` by linear interpolation between closest ranks (type 7).

    None for no values; the value itself for one.
    """
    if not 0 <= q <= 100:
        raise ValueError(f"percentile outside 0-100: {q}")
    ordered = sorted(float(v) for v in values)
    if not ordered:
        return None
    position = (len(ordered) - 1) * q / 100.0
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def delay_figures(hours: Iterable[float], pending: int, min_sample: int) -> DelayFigures:
    """Median and 90th percentile of ``hours``; withheld below ``min_sample`` delays."""
    values = [float(h) for h in hours if h is not None and not math.isnan(float(h))]
    if any(v < 0 for v in values):
        # Clocks of two servers, or an imported history: a negative delay is a data error, not a fast answer.
        values = [max(v, 0.0) for v in values]
    withheld = len(values) < max(1, min_sample)
    return DelayFigures(
        count=len(values),
        pending=int(pending),
        median_h=None if withheld else percentile(values, 50),
        p90_h=None if withheld else percentile(values, 90),
        withheld=withheld,
    )


def dashboard_frame(records: Iterable[Mapping[str, Any]] | pd.DataFrame) -> pd.DataFrame:
    """Dashboard alert records as a DataFrame with UTC timestamps (an empty one keeps every column)."""
    frame = records.copy() if isinstance(records, pd.DataFrame) else pd.DataFrame.from_records(list(records))
    for col in DASHBOARD_FIELDS:
        if col not in frame:
            frame[col] = pd.Series(dtype=object)
    for col in ("created_at", "published_at", "decided_at", "gendarmerie_at"):
        frame[col] = pd.to_datetime(frame[col], utc=True)
    for col in ("held", "gendarmerie_feedback"):
        frame[col] = frame[col].astype("boolean").fillna(False).astype(bool)
    frame["status"] = frame["status"].astype(str)
    frame["category"] = frame["category"].astype(str)
    return frame


def _hours(delta: pd.Series) -> list[float]:
    return [float(h) for h in (delta.dropna().dt.total_seconds() / 3600.0)]


def moderation_delays(frame: pd.DataFrame, min_sample: int) -> DelayFigures:
    """Creation to first decision, over the alerts held for moderation (see the module doc)."""
    held = frame[frame["held"]]
    waiting = int(held["decided_at"].isna().sum())
    return delay_figures(_hours(held["decided_at"] - held["created_at"]), waiting, min_sample)


def acknowledgement_delays(frame: pd.DataFrame, min_sample: int) -> DelayFigures:
    """Publication to the gendarmerie's first acknowledgement, over the alerts published (see the module doc)."""
    published = frame[frame["published_at"].notna()]
    waiting = int(published["gendarmerie_at"].isna().sum())
    return delay_figures(_hours(published["gendarmerie_at"] - published["published_at"]), waiting, min_sample)


def feedback_share(frame: pd.DataFrame) -> Share:
    """Security alerts visible to residents in the period, and how many the gendarmerie closed with feedback."""
    security = frame[(frame["family"].astype(str) == SECURITY) & frame["status"].isin(PUBLISHED_STATES)]
    return Share(int(security["gendarmerie_feedback"].sum()), len(security))


def week_of(moment: datetime | pd.Timestamp) -> date:
    """The Monday (Europe/Paris) of the week holding ``moment`` (an aware datetime)."""
    local = pd.Timestamp(moment).tz_convert(TIMEZONE)
    return (local - pd.Timedelta(days=local.weekday())).date()


def weeks_between(start: datetime, end: datetime) -> list[date]:
    """Every week (its Monday) meeting ``[start, end)``; aware datetimes."""
    if end <= start:
        return []
    first, last = week_of(start), week_of(pd.Timestamp(end) - pd.Timedelta(microseconds=1))
    return [first + timedelta(weeks=k) for k in range((last - first).days // 7 + 1)]


def weekly_counts(frame: pd.DataFrame, start: datetime, end: datetime) -> tuple[WeekCount, ...]:
    """Visible alerts created in ``[start, end)`` per week and category, zeros included (see the module doc).

    Every week of the period × every category with at least one alert in it; empty when the period holds
    no visible alert (the weeks themselves are :func:`weeks_between`).
    """
    lo, hi = pd.Timestamp(start).tz_convert("UTC"), pd.Timestamp(end).tz_convert("UTC")
    shown = frame[frame["status"].isin(PUBLISHED_STATES) & (frame["created_at"] >= lo) & (frame["created_at"] < hi)]
    if shown.empty:
        return ()
    local = shown["created_at"].dt.tz_convert(TIMEZONE)
    keys = (local.dt.tz_localize(None).dt.normalize() - pd.to_timedelta(local.dt.day_of_week, unit="D")).dt.date
    counted = shown.groupby([keys, shown["category"]]).size()
    categories = sorted(shown["category"].unique())
    return tuple(
        WeekCount(week, category, int(counted.get((week, category), 0)))
        for week in weeks_between(start, end)
        for category in categories
    )


def _referent_counts(members: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Verified members per home sector, verified referents per sector they refer (see ``stats._sources``)."""
    verified = members[members["status"].astype(str) == "verified"]
    assignment = verified["assignment"].astype("boolean").fillna(False).astype(bool)
    return verified[~assignment].groupby("sector_code").size(), verified[assignment].groupby("sector_code").size()


def sector_health(
    sectors: Iterable[Mapping[str, Any]],
    members: pd.DataFrame | None,
    last_alerts: Mapping[str, datetime],
    now: datetime,
    idle_days: int = IDLE_DAYS,
) -> tuple[SectorHealth, ...]:
    """The health of each sector (records ``code, name, households, referent_places``).

    Parameters
    ----------
    members
        Member records with an ``assignment`` column (``stats._sources.read_members``); None when the
        reader may not list members: no member figure at all, and only activity colours the sector.
    last_alerts
        The creation time of the last alert located in each sector (code -> aware datetime), any status.
    now
        Aware datetime; a sector whose last alert is older than ``idle_days`` days (or that has none) is idle.
    """
    homes = referents = pd.Series(dtype=int)
    if members is not None and len(members):
        homes, referents = _referent_counts(members)
    limit = pd.Timestamp(now).tz_convert("UTC") - pd.Timedelta(days=idle_days)
    out = []
    for s in sectors:
        code = str(s["code"])
        last = last_alerts.get(code)
        stamp = pd.Timestamp(last).tz_convert("UTC") if last is not None else None
        idle = stamp is None or stamp < limit
        households = s.get("households")
        places = s.get("referent_places")
        filled = int(referents.get(code, 0)) if members is not None else None
        wanted = int(places) if places is not None and members is not None else None
        if idle:
            state = IDLE
        elif wanted is not None and filled is not None and filled < wanted:
            state = TO_FILL
        else:
            state = ACTIVE
        out.append(
            SectorHealth(
                code=code,
                name=str(s["name"]),
                households=None if households is None or pd.isna(households) else int(households),
                members=int(homes.get(code, 0)) if members is not None else None,
                referent_places=wanted,
                referents=filled,
                last_alert=None if stamp is None else stamp.to_pydatetime(),
                idle=idle,
                state=state,
            )
        )
    return tuple(out)


def hours_label(hours: float | None) -> str:
    """A delay in French: ``45 min``, ``3,5 h``, ``2,1 jours``; ``—`` for None."""
    from stats._format import MISSING, fr_number

    if hours is None or np.isnan(hours):
        return MISSING
    if hours < 1:
        return f"{round(hours * 60)} min"
    if hours < 48:
        return f"{fr_number(hours, 1)} h"
    return f"{fr_number(hours / 24, 1)} jours"


def recent_quarters(today: date, count: int = 4) -> list[str]:
    """The ``count`` quarters up to the one holding ``today``, latest first (``2026-Q4``, ``2026-Q3``…)."""
    year, quarter = today.year, (today.month - 1) // 3 + 1
    out = []
    for _ in range(count):
        out.append(f"{year}-Q{quarter}")
        year, quarter = (year, quarter - 1) if quarter > 1 else (year - 1, 4)
    return out
