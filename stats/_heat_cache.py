"""The embedded backend's heat maps: the commune's public alert points kept in memory between calls.

Reading a million rows out of SQLite takes about a second, binning them a hundredth of that. The points
(metric x/y and creation time of the published, acknowledged and closed alerts) are therefore kept per
process and commune, and re-read only when ``alerts_version.n`` moved: SQLite triggers bump it at every
insert, update (moderation, anonymisation) or delete of an alert, so a cached point can never outlive its
alert or its anonymisation.
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from sqlalchemy import text
from sqlalchemy.orm import Session

MAX_COMMUNES = 4  # entries kept per process (an embedded database serves one commune)


@dataclass(frozen=True)
class _Points:
    version: int
    created_s: np.ndarray  # int64, UTC seconds since the epoch
    x: np.ndarray
    y: np.ndarray
    category: np.ndarray  # str codes


_cache: OrderedDict[tuple[str, int], _Points] = OrderedDict()
_lock = threading.Lock()


def _version(session: Session) -> int | None:
    return session.execute(text("SELECT n FROM alerts_version WHERE id = 1")).scalar()


def _read(session: Session, commune_id: int, statuses: tuple[str, ...], version: int) -> _Points:
    # SQLite turns the stored timestamps into epoch seconds itself: a million strings parsed in Python would
    # cost more than the read. Seconds suffice: period limits fall on whole seconds.
    sql = (
        "SELECT CAST(strftime('%s', created_at) AS INTEGER), x_m, y_m, category FROM alerts NOT INDEXED "
        "WHERE commune_id = :cid AND status IN ({}) "
        "AND x_m IS NOT NULL AND y_m IS NOT NULL"
    ).format(", ".join(f"'{s}'" for s in statuses))  # our constants, never user text
    rows = session.connection().execute(text(sql), {"cid": commune_id}).cursor.fetchall()
    created, x, y, category = zip(*rows, strict=True) if rows else ((), (), (), ())
    return _Points(
        version,
        np.array(created, dtype=np.float64).astype(np.int64),
        np.array(x, dtype=np.float64),
        np.array(y, dtype=np.float64),
        np.array(category, dtype=object),
    )


def public_points(
    session: Session,
    key: str,
    commune_id: int,
    statuses: tuple[str, ...],
    lo: datetime | None,
    hi: datetime | None,
    categories: tuple[str, ...] | None = None,
) -> np.ndarray:
    """Metric x/y (n x 2) of the commune's alerts in ``statuses`` created in ``[lo, hi)``, from the cache.

    ``categories``: only the alerts of these category codes (None: every category).

    Creation times are kept to the second, so ``lo`` and ``hi`` are taken to the second too (periods are
    quarters, months or days).

    ``key`` names the database (its URL): one cache entry per database and commune.
    """
    version = _version(session)
    entry_key = (key, commune_id)
    with _lock:
        entry = _cache.get(entry_key)
        if entry is not None:
            _cache.move_to_end(entry_key)
    if entry is None or version is None or entry.version != version:
        entry = _read(session, commune_id, statuses, version if version is not None else -1)
        if version is not None:
            with _lock:
                _cache[entry_key] = entry
                while len(_cache) > MAX_COMMUNES:
                    _cache.popitem(last=False)
    keep = np.ones(len(entry.x), dtype=bool)
    if lo is not None:
        keep &= entry.created_s >= math.ceil(lo.timestamp())
    if hi is not None:
        keep &= entry.created_s < math.ceil(hi.timestamp())
    if categories is not None:
        keep &= np.isin(entry.category, list(categories))
    return np.column_stack([entry.x[keep], entry.y[keep]])


def clear() -> None:
    """Forget every cached commune (tests and benchmarks measure cold reads with it)."""
    with _lock:
        _cache.clear()
