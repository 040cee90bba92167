"""Synthetic alert, sector and member records (seeded) for demos, tests and benchmarks.

The records follow the shapes documented in ``stats._alert_figures`` (what the alerts and members domains
will feed the statistics with). Sectors are a regular grid over the commune's bounding box.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

CATEGORIES = (
    "cambriolage ou tentative",
    "comportement suspect",
    "véhicule suspect",
    "démarchage frauduleux",
    "dégradation",
    "vol",
    "demande d'aide",
    "animal perdu ou trouvé",
)
_WEIGHTS = np.array([0.18, 0.22, 0.15, 0.08, 0.12, 0.1, 0.08, 0.07])


def grid_sectors(boundary: BaseGeometry, nx: int = 3, ny: int = 2, seed: int = 0) -> list[dict[str, Any]]:
    """``nx * ny`` rectangular sectors over the bounding box of ``boundary`` (records with a ``geom``)."""
    rng = np.random.default_rng(seed)
    minx, miny, maxx, maxy = boundary.bounds
    out = []
    for a in range(nx):
        for b in range(ny):
            cell = shapely.box(
                minx + (maxx - minx) * a / nx,
                miny + (maxy - miny) * b / ny,
                minx + (maxx - minx) * (a + 1) / nx,
                miny + (maxy - miny) * (b + 1) / ny,
            )
            code = f"S{a * ny + b + 1:02d}"
            out.append(
                {"code": code, "name": f"Secteur {code[1:]}", "households": int(rng.integers(80, 400)), "geom": cell}
            )
    return out


def synthetic_alerts(
    n: int, boundary: BaseGeometry, start: datetime, end: datetime, sectors: list[dict[str, Any]], seed: int = 0
) -> list[dict[str, Any]]:
    """``n`` alert records with points inside ``boundary`` (clustered around a few hot spots)."""
    rng = np.random.default_rng(seed)
    minx, miny, maxx, maxy = boundary.bounds
    hot = rng.uniform([minx, miny], [maxx, maxy], size=(4, 2))
    pts: list[tuple[float, float]] = []
    while len(pts) < n:
        k = 2 * (n - len(pts)) + 16
        centre = hot[rng.integers(0, 4, k)]
        clustered = rng.random(k) < 0.6
        xy = np.where(
            clustered[:, None],
            centre + rng.normal(0, [(maxx - minx) / 25, (maxy - miny) / 25], size=(k, 2)),
            rng.uniform([minx, miny], [maxx, maxy], size=(k, 2)),
        )
        inside = shapely.contains_xy(boundary, xy[:, 0], xy[:, 1])
        pts.extend(map(tuple, xy[inside][: n - len(pts)]))
    span = (end - start).total_seconds()
    boxes = [(s["code"], s["geom"]) for s in sectors]
    records = []
    categories = rng.choice(len(CATEGORIES), size=n, p=_WEIGHTS / _WEIGHTS.sum())
    for i, (lon, lat) in enumerate(pts):
        created = start + timedelta(seconds=float(rng.uniform(0, span)))
        status = rng.choice(
            ["closed", "acknowledged", "published", "rejected", "pending"], p=[0.4, 0.25, 0.25, 0.07, 0.03]
        )
        published = (
            created + timedelta(minutes=float(rng.exponential(45))) if status not in ("rejected", "pending") else None
        )
        acknowledged = (
            published + timedelta(hours=float(rng.exponential(6))) if status in ("acknowledged", "closed") else None  # type: ignore[operator]
        )
        sector = next((code for code, geom in boxes if geom.covers(shapely.Point(lon, lat))), None)
        records.append(
            {
                "id": i + 1,
                "category": CATEGORIES[categories[i]],
                "sector_code": sector,
                "created_at": created,
                "published_at": published,
                "acknowledged_at": acknowledged,
                "acknowledged_by": rng.choice(["mairie", "gendarmerie"]) if acknowledged else None,
                "closed_at": acknowledged + timedelta(days=2) if status == "closed" and acknowledged else None,
                "gendarmerie_feedback": bool(status == "closed" and rng.random() < 0.5),
                "status": str(status),
                "lon": float(lon),
                "lat": float(lat),
            }
        )
    return records


def synthetic_members(sectors: list[dict[str, Any]], seed: int = 0) -> list[dict[str, Any]]:
    """Verified residents in each sector, 0 to 2 referents (some sectors left without one)."""
    rng = np.random.default_rng(seed)
    out = []
    for i, s in enumerate(sectors):
        for _ in range(int(rng.integers(5, max(6, s["households"] // 5)))):
            out.append({"sector_code": s["code"], "role": "resident", "status": "verified"})
        out.append({"sector_code": s["code"], "role": "resident", "status": "pending"})
        for _ in range(0 if i % 4 == 3 else int(rng.integers(1, 3))):
            out.append({"sector_code": s["code"], "role": "referent", "status": "verified"})
    return out


def quarter_bounds(year: int, q: int) -> tuple[datetime, datetime]:
    """UTC start and end of a calendar quarter (approximate: midnight UTC)."""
    start = datetime(year, 3 * (q - 1) + 1, 1, tzinfo=UTC)
    end = datetime(year + (q == 4), (3 * q) % 12 + 1, 1, tzinfo=UTC)
    return start, end
