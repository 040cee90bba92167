"""Retention rules (pure): months arithmetic and the cut-off."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from alerts import add_months, anonymisation_due, retention_cutoff


def test_add_months_clips_the_day() -> None:
    assert add_months(datetime(2026, 1, 31, tzinfo=UTC), 1) == datetime(2026, 2, 28, tzinfo=UTC)
    assert add_months(datetime(2026, 3, 15, tzinfo=UTC), -12) == datetime(2025, 3, 15, tzinfo=UTC)
    assert add_months(datetime(2024, 2, 29, tzinfo=UTC), 12) == datetime(2025, 2, 28, tzinfo=UTC)


def test_due_after_the_period_only() -> None:
    now = datetime(2027, 3, 1, tzinfo=UTC)
    assert retention_cutoff(now, 12) == datetime(2026, 3, 1, tzinfo=UTC)
    assert anonymisation_due(datetime(2026, 2, 28, tzinfo=UTC), now, 12)
    assert not anonymisation_due(datetime(2026, 3, 2, tzinfo=UTC), now, 12)
    assert not anonymisation_due(None, now, 12)
    with pytest.raises(ValueError):
        retention_cutoff(now, 0)
