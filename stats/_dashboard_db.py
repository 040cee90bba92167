"""The dashboard's records from the database (both backends), handed to the pure functions of
:mod:`stats._dashboard`.

Three reads in one transaction bound to the commune: the alerts created in the period with the moves of
their history that the delays need (hold, approve, reject, acknowledge, close, with the mover's role); the
last alert located in each sector (one ``GROUP BY``); the active sectors with their households and the
members. The gendarmerie's access is checked by the caller through the permission matrix.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pandas as pd
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from alerts import scoped
from gis import InputError
from sectors import get_commune
from stats._dashboard import (
    IDLE_DAYS,
    DelayFigures,
    SectorHealth,
    Share,
    WeekCount,
    acknowledgement_delays,
    dashboard_frame,
    feedback_share,
    moderation_delays,
    sector_health,
    weekly_counts,
    weeks_between,
)
from stats._sources import _utc, alert_moves, category_index, read_members, read_sectors
from store import transaction
from store.schema import Alert, AlertSector, Commune, Role, as_utc

DECISIONS = ("approve", "reject")
TAKE_UP = ("acknowledge", "close")


@dataclass(frozen=True)
class DashboardFigures:
    """Everything the dashboard shows for one commune and period (see :mod:`stats._dashboard`)."""

    insee: str
    name: str
    start: datetime
    end: datetime
    weeks: tuple[Any, ...]  # the Mondays (dates) of the period
    per_week: tuple[WeekCount, ...]
    moderation: DelayFigures
    acknowledgement: DelayFigures
    feedback: Share
    sectors: tuple[SectorHealth, ...]
    households_known: bool
    members_shown: bool
    min_sample: int


def dashboard_alerts(session: Session, commune_id: int, start: datetime, end: datetime) -> pd.DataFrame:
    """Dashboard alert records (:data:`stats._dashboard.DASHBOARD_FIELDS`) of the alerts created in
    ``[start, end)``; ``session`` bound to the commune."""
    lo, hi = _utc(start), _utc(end)
    period = (Alert.commune_id == commune_id, Alert.created_at >= lo, Alert.created_at < hi)
    rows = session.execute(
        select(Alert.id, Alert.category, Alert.status, Alert.created_at, Alert.published_at)
        .where(*period)
        .order_by(Alert.id)
    ).all()
    columns = ["id", "code", "status", "created_at", "published_at"]
    frame = pd.DataFrame.from_records([tuple(r) for r in rows], columns=columns)
    if frame.empty:
        return dashboard_frame([])
    index = category_index(session, commune_id)
    moves = alert_moves(session, commune_id, select(Alert.id).where(*period), ("hold", *DECISIONS, *TAKE_UP))
    # dicts, not Series: mapping through an empty datetime Series fails in pandas
    first_decision = moves[moves["move"].isin(DECISIONS)].drop_duplicates("id").set_index("id")["at"].to_dict()
    by_gendarmerie = moves[moves["move"].isin(TAKE_UP) & (moves["role"] == Role.GENDARMERIE.value)]
    first_take_up = by_gendarmerie.drop_duplicates("id").set_index("id")["at"].to_dict()
    feedback = set(by_gendarmerie.loc[by_gendarmerie["move"] == "close", "id"])
    return dashboard_frame(
        pd.DataFrame(
            {
                "id": frame["id"].astype(int),
                "category": frame["code"].map(lambda c: index.get(c, (c, ""))[0]),
                "family": frame["code"].map(lambda c: index.get(c, (c, ""))[1]),
                "status": frame["status"].astype(str),
                "created_at": frame["created_at"],
                "published_at": frame["published_at"],
                "held": frame["id"].isin(set(moves.loc[moves["move"] == "hold", "id"])),
                "decided_at": frame["id"].map(first_decision),
                "gendarmerie_at": frame["id"].map(first_take_up),
                "gendarmerie_feedback": frame["id"].isin(feedback),
            }
        )
    )


def last_alert_by_sector(session: Session, commune_id: int) -> dict[str, datetime]:
    """The creation time (UTC) of the last alert whose point lies in each sector (by code), any status."""
    rows = session.execute(
        select(AlertSector.sector_code, func.max(Alert.created_at))
        .join(Alert, Alert.id == AlertSector.alert_id)
        .where(AlertSector.commune_id == commune_id, AlertSector.home.is_(True))
        .group_by(AlertSector.sector_code)
    ).all()
    return {code: as_utc(at) for code, at in rows if at is not None}


def dashboard_from_db(
    engine: Engine,
    insee: str,
    start: datetime,
    end: datetime,
    *,
    now: datetime,
    members: bool,
    min_sample: int,
    idle_days: int = IDLE_DAYS,
) -> DashboardFigures:
    """The dashboard of ``insee`` over ``[start, end)`` (aware datetimes); sector health as of ``now``.

    ``members``: the reader may list members (member figures per sector); otherwise none is read.
    """
    if end <= start:
        raise InputError("La fin de la période doit suivre son début.", field="period")
    with transaction(engine) as session:
        commune_id = get_commune(session, insee).id
    with scoped(engine, commune_id) as session:
        commune = session.get(Commune, commune_id)
        assert commune is not None
        frame = dashboard_alerts(session, commune_id, start, end)
        last = last_alert_by_sector(session, commune_id)
        sectors, known = read_sectors(session, engine, commune)
        people = read_members(session, commune) if members else None
        name = commune.name
    return DashboardFigures(
        insee=insee,
        name=name,
        start=start,
        end=end,
        weeks=tuple(weeks_between(start, end)),
        per_week=weekly_counts(frame, start, end),
        moderation=moderation_delays(frame, min_sample),
        acknowledgement=acknowledgement_delays(frame, min_sample),
        feedback=feedback_share(frame),
        sectors=sector_health(sectors, people, last, now, idle_days),
        households_known=known,
        members_shown=members,
        min_sample=min_sample,
    )


def default_period(now: datetime, weeks: int = 12) -> tuple[datetime, datetime]:
    """The last ``weeks`` weeks up to ``now``: from the Monday (Europe/Paris) ``weeks - 1`` weeks back."""
    from stats._alert_figures import TIMEZONE
    from stats._dashboard import week_of

    monday = week_of(now) - timedelta(weeks=weeks - 1)
    return pd.Timestamp(monday, tz=TIMEZONE).to_pydatetime(), now
