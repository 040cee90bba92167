"""Retention: closed alerts are anonymised after a set period; what statistics need stays.

Anonymising keeps the category, the commune, the sectors, the dates and the status (so counts by
category, sector and month are unchanged) and removes the text, the author, the exact point, the
appeal and the feedback.
"""

from __future__ import annotations

import calendar
from datetime import datetime

ANONYMISED_TEXT = "[alerte anonymisée]"


def add_months(moment: datetime, months: int) -> datetime:
    """``moment`` plus ``months`` calendar months (the day is clipped to the month's length)."""
    total = moment.month - 1 + months
    year, month = moment.year + total // 12, total % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def retention_cutoff(now: datetime, months: int) -> datetime:
    """Alerts closed at or before this moment are due for anonymisation."""
    if months < 1:
        raise ValueError("retention must be at least one month")
    return add_months(now, -months)


def anonymisation_due(closed_at: datetime | None, now: datetime, months: int) -> bool:
    """Whether an alert closed at ``closed_at`` must be anonymised at ``now``."""
    return closed_at is not None and closed_at <= retention_cutoff(now, months)
