"""Alert figures and scheme monitoring, as pure functions over plain records.

The alerts and members tables live in other domains; these functions take plain records (dicts, dataclasses
or a DataFrame) so that the alerts code feeds them with one query. Expected shapes:

Alert record (:data:`ALERT_FIELDS`)
    ``id`` (int), ``category`` (str, e.g. ``"cambriolage ou tentative"``), ``sector_code`` (str or None: the
    sector of the set the alert was routed with), ``created_at`` (aware datetime, submission),
    ``published_at`` (datetime or None), ``acknowledged_at`` (datetime or None), ``acknowledged_by``
    (``"mairie"``, ``"gendarmerie"`` or None), ``closed_at`` (datetime or None), ``gendarmerie_feedback``
    (bool: the gendarmerie gave feedback on it), ``status`` (``submitted|pending|published|rejected|
    acknowledged|closed``), ``lon``/``lat`` (float, EPSG:4326, exact: figures are computed server-side).
    Optional: ``x_m``/``y_m`` (metric coordinates in the commune's CRS) make heat binning skip projection.

Sector record (:data:`SECTOR_FIELDS`)
    ``code`` (str), ``name`` (str), ``households`` (int or None: households in the sector, e.g. from BAN
    addresses or INSEE), ``referent_places`` (int, optional).

Member record (:data:`MEMBER_FIELDS`)
    ``sector_code`` (str or None), ``role`` (``resident``, ``referent``…), ``status`` (only ``verified``
    members count for participation); a referent of several sectors appears once per sector. Optional
    ``assignment`` (bool): the row is a referent assignment, not a home; when the column is there, members
    are counted from home rows only and referents from assignment rows only (a referent living in B2 and
    referent of A1 is a member of B2 and the referent of A1).

Optional alert fields: ``category_code`` (the alerts domain's stable code, e.g. ``cambriolage``) lets the
SSMSI comparison hold when a commune renames a category; ``x_m``/``y_m`` as above.

Only alerts that were published (published, acknowledged or closed) count as alerts in figures; rejected
and pending ones count in moderation figures only.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from alerts._categories import DEFAULT_CATEGORIES
from gis import InputError
from stats._catalogue import indicator_label
from stats._category_links import NO_EQUIVALENT, RELATED_BY_CODE, related_indicators
from stats._roles import is_staff

ALERT_FIELDS = (
    "id",
    "category",
    "sector_code",
    "created_at",
    "published_at",
    "acknowledged_at",
    "acknowledged_by",
    "closed_at",
    "gendarmerie_feedback",
    "status",
    "lon",
    "lat",
)
SECTOR_FIELDS = ("code", "name", "households")
MEMBER_FIELDS = ("sector_code", "role", "status")
PUBLISHED_STATES = frozenset({"published", "acknowledged", "closed"})
TIMEZONE = "Europe/Paris"  # months and quarters are those of the mairie's calendar
OUTSIDE = "(hors secteur)"
FORMER = "(secteur d'un ancien découpage)"

# Alert categories beside the SSMSI indicators they relate to (not the same thing: a neighbour's alert is
# not a recorded offence; the comparison only shows orders of magnitude). Derived from the one table of
# stats._category_links, keyed by the default categories' lower-case labels (what alert records carry).
CATEGORY_CODES: dict[str, str] = {c.code: c.label.lower() for c in DEFAULT_CATEGORIES if c.code in RELATED_BY_CODE}
DEFAULT_CODES = frozenset(c.code for c in DEFAULT_CATEGORIES)
DEFAULT_LABELS = frozenset(c.label.lower() for c in DEFAULT_CATEGORIES)
CATEGORY_INDICATORS: dict[str, tuple[str, ...]] = {CATEGORY_CODES[code]: keys for code, keys in RELATED_BY_CODE.items()}


def _frame(records: Iterable[Any] | pd.DataFrame, fields: tuple[str, ...], what: str) -> pd.DataFrame:
    if isinstance(records, pd.DataFrame):
        frame = records.copy()
    else:
        rows = [
            dataclasses.asdict(r) if dataclasses.is_dataclass(r) else dict(r) if isinstance(r, Mapping) else vars(r)  # type: ignore[arg-type]
            for r in records
        ]
        frame = pd.DataFrame.from_records(rows)
    missing = [f for f in fields if f not in frame.columns]
    if missing and len(frame):
        raise InputError(f"Enregistrements {what} incomplets : champs manquants {', '.join(missing)}.")
    for f in missing:
        frame[f] = pd.Series(dtype=object)
    return frame


def alerts_frame(records: Iterable[Any] | pd.DataFrame) -> pd.DataFrame:
    """Alert records (see the module doc) as a DataFrame with UTC timestamps and a local ``month``."""
    frame = _frame(records, ALERT_FIELDS, "d'alertes")
    for col in ("created_at", "published_at", "acknowledged_at", "closed_at"):
        frame[col] = pd.to_datetime(frame[col], utc=True)
    frame["category"] = frame["category"].astype(str).str.strip().str.lower()
    frame["sector_code"] = frame["sector_code"].where(frame["sector_code"].notna(), OUTSIDE).astype(str)
    frame["gendarmerie_feedback"] = frame["gendarmerie_feedback"].fillna(False).astype(bool)
    frame["status"] = frame["status"].astype(str)
    frame["published"] = frame["status"].isin(PUBLISHED_STATES)
    local = frame["created_at"].dt.tz_convert(TIMEZONE)
    frame["month"] = local.dt.strftime("%Y-%m")
    return frame


def sectors_frame(records: Iterable[Any] | pd.DataFrame) -> pd.DataFrame:
    frame = _frame(records, SECTOR_FIELDS, "de secteurs")
    frame["code"] = frame["code"].astype(str)
    frame["households"] = pd.to_numeric(frame["households"], errors="coerce")
    return frame


def members_frame(records: Iterable[Any] | pd.DataFrame) -> pd.DataFrame:
    frame = _frame(records, MEMBER_FIELDS, "de membres")
    frame["sector_code"] = frame["sector_code"].where(frame["sector_code"].notna(), OUTSIDE).astype(str)
    return frame


def parse_quarter(quarter: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    """``2026-Q3`` (or ``2026-T3``) -> (start, end), aware timestamps of the mairie's calendar (end excluded)."""
    text = quarter.strip().upper().replace("-T", "-Q")
    try:
        year, q = text.split("-Q")
        start = pd.Timestamp(year=int(year), month=3 * (int(q) - 1) + 1, day=1, tz=TIMEZONE)
        if not 1 <= int(q) <= 4:
            raise ValueError
    except ValueError as exc:
        raise InputError(
            f"Trimestre « {quarter} » invalide : écrivez AAAA-Qn (ou AAAA-Tn), par exemple 2026-Q3."
        ) from exc
    return start, start + pd.DateOffset(months=3)


def in_period(frame: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp) -> pd.DataFrame:
    """Alerts created in ``[start, end)``."""
    return frame[(frame["created_at"] >= start) & (frame["created_at"] < end)]


def counts_by(frame: pd.DataFrame, *keys: str) -> pd.DataFrame:
    """Published alerts counted by ``keys`` (any of ``category``, ``sector_code``, ``month``)."""
    for key in keys:
        if key not in ("category", "sector_code", "month"):
            raise InputError(f"Regroupement « {key} » inconnu : category, sector_code ou month.")
    published = frame[frame["published"]]
    if published.empty:
        return pd.DataFrame({**{k: pd.Series(dtype=str) for k in keys}, "count": pd.Series(dtype="Int64")})
    out = published.groupby(list(keys)).size().rename("count").reset_index()
    out["count"] = out["count"].astype("Int64")
    return out.sort_values(list(keys)).reset_index(drop=True)


def rates_by_sector(frame: pd.DataFrame, sectors: pd.DataFrame) -> pd.DataFrame:
    """Published alerts per sector and per 1,000 households (every sector listed, even with no alert)."""
    counts = frame[frame["published"]].groupby("sector_code").size()
    out = sectors[["code", "name", "households"]].copy()
    out["count"] = out["code"].map(counts).fillna(0).astype("Int64")
    out["rate_per_1000_households"] = np.where(
        out["households"] > 0, out["count"].astype(float) * 1000.0 / out["households"], np.nan
    )
    extras = []
    outside = int(counts.get(OUTSIDE, 0))
    if outside:
        extras.append({"code": OUTSIDE, "name": OUTSIDE, "households": np.nan, "count": outside})
    # Alerts routed with an earlier sector set whose code the current set no longer has: counted, not lost.
    former = int(counts[~counts.index.isin([*out["code"], OUTSIDE])].sum())
    if former:
        extras.append({"code": FORMER, "name": FORMER, "households": np.nan, "count": former})
    if extras:
        out = pd.concat([out, pd.DataFrame(extras)], ignore_index=True)
        out["count"] = out["count"].astype("Int64")
    return out.reset_index(drop=True)


def hide_small(
    table: pd.DataFrame,
    role: str,
    min_count: int,
    count_columns: tuple[str, ...] = ("count",),
    derived: tuple[str, ...] = ("rate_per_1000_households",),
    *,
    secondary: bool = True,
) -> pd.DataFrame:
    """For non-staff roles, counts below ``min_count`` (and the figures derived from them) become missing.

    Zero is not hidden (an absence of alerts reveals no one); 1 to ``min_count - 1`` is. When exactly one row
    would be hidden, the total (shown elsewhere) minus the others would give it back: the next smallest
    non-zero count is hidden too (``secondary``; meant for tables with one row per key). A ``hidden`` column
    says which rows were masked, so a page or an export can print ``< min_count``.
    """
    out = table.copy()
    if is_staff(role):
        out["hidden"] = False
        return out
    small = np.zeros(len(out), dtype=bool)
    for col in count_columns:
        if col in out:
            values = out[col].astype("Float64")
            small |= ((values > 0) & (values < min_count)).fillna(False).to_numpy(dtype=bool)
    if secondary and small.sum() == 1 and count_columns[0] in out:
        values = out[count_columns[0]].astype("Float64").fillna(0).to_numpy(dtype=float)  # type: ignore[assignment]
        candidates = np.flatnonzero(~small & (values > 0))
        if len(candidates):
            small[candidates[np.argmin(values[candidates])]] = True
    for col in (*count_columns, *derived):
        if col in out:
            out[col] = out[col].astype("Float64" if col in derived else "Int64").mask(small)
    out["hidden"] = small
    return out


@dataclass(frozen=True)
class Monitoring:
    """How the scheme runs: per sector, and delays and shares over the period."""

    sectors: pd.DataFrame
    moderation_delay_h: float | None  # median hours from submission to publication
    acknowledgement_delay_h: float | None  # median hours from publication to acknowledgement
    acknowledgement_delay_by: dict[str, float]  # the same, by who acknowledged (mairie, gendarmerie)
    gendarmerie_feedback_share: float | None  # share of published alerts with gendarmerie feedback
    alerts_published: int
    alerts_rejected: int
    sectors_without_referent: list[str]


def _median_hours(delta: pd.Series) -> float | None:
    delta = delta.dropna()
    return None if delta.empty else float(delta.dt.total_seconds().median() / 3600.0)


def monitoring(alerts: pd.DataFrame, sectors: pd.DataFrame, members: pd.DataFrame) -> Monitoring:
    """Scheme monitoring over ``alerts`` (already restricted to the period).

    Per sector: published alerts, households, verified members, participation (members per 100 households),
    referents, and whether the sector has none.
    """
    published = alerts[alerts["published"]]
    verified = members[members["status"].astype(str) == "verified"]
    if "assignment" in verified:
        assignment = verified["assignment"].fillna(False).astype(bool)
        homes, referent_rows = verified[~assignment], verified[assignment]
    else:
        homes, referent_rows = verified, verified[verified["role"].astype(str) == "referent"]
    per_sector = sectors[["code", "name", "households"]].copy()
    per_sector["alerts"] = per_sector["code"].map(published.groupby("sector_code").size()).fillna(0).astype(int)
    per_sector["members"] = per_sector["code"].map(homes.groupby("sector_code").size()).fillna(0).astype(int)
    referents = referent_rows.groupby("sector_code").size()
    per_sector["referents"] = per_sector["code"].map(referents).fillna(0).astype(int)
    per_sector["participation_pct"] = np.where(
        per_sector["households"] > 0, per_sector["members"] * 100.0 / per_sector["households"], np.nan
    )
    ack = published["acknowledged_at"] - published["published_at"]
    by = {
        str(who): hours
        for who, group in published.assign(_d=ack).groupby("acknowledged_by")
        if (hours := _median_hours(group["_d"])) is not None
    }
    return Monitoring(
        sectors=per_sector,
        moderation_delay_h=_median_hours(published["published_at"] - published["created_at"]),
        acknowledgement_delay_h=_median_hours(ack),
        acknowledgement_delay_by=by,
        gendarmerie_feedback_share=float(published["gendarmerie_feedback"].mean()) if len(published) else None,
        alerts_published=len(published),
        alerts_rejected=int((alerts["status"] == "rejected").sum()),
        sectors_without_referent=per_sector.loc[per_sector["referents"] == 0, "name"].astype(str).tolist(),
    )


def categories_beside_ssmsi(alerts: pd.DataFrame, lines: Iterable[Any]) -> pd.DataFrame:
    """Alert categories beside the SSMSI indicators they relate to.

    Parameters
    ----------
    alerts
        Alerts of the period (:func:`alerts_frame`).
    lines
        :class:`stats.IndicatorLine` of the commune for the comparison year (``commune_views(...).lines``).

    Returns
    -------
    One row per (category, related indicator): ``category, alerts, indicator, ssmsi_count, ssmsi_rate,
    dep_rate, published`` (``published`` false: the SSMSI withheld the commune's figure); the default
    security categories always, the commune's own when they have alerts (linked by
    :func:`stats._category_links.related_indicators`), « sans équivalent SSMSI » for a category with none.
    """
    by_key = {line.indicator: line for line in lines}
    published = alerts[alerts["published"]]
    canonical = published["category"]
    if "category_code" in published:
        # The stable code says which default category it is, whatever label the commune gave it.
        canonical = published["category_code"].map(CATEGORY_CODES).fillna(canonical)
    counts = canonical.groupby(canonical).size()
    # The commune's own categories (neither a default code nor a default label), linked by their folded label.
    codes = published["category_code"].astype(str) if "category_code" in published else published["category"]
    own = published[~codes.isin(DEFAULT_CODES) & ~published["category"].isin(DEFAULT_LABELS)]
    own_links = {
        label: related_indicators(code, label) for label, code in zip(own["category"], codes[own.index], strict=True)
    }
    rows = []
    for category, indicators in [*CATEGORY_INDICATORS.items(), *sorted(own_links.items())]:
        n = int(counts.get(category, 0))
        for key in indicators or (None,):
            line = by_key.get(key) if key else None
            rows.append(
                {
                    "category": category,
                    "alerts": n,
                    "indicator": indicator_label(key) if key else NO_EQUIVALENT,
                    "ssmsi_count": line.count if line else None,
                    "ssmsi_rate": line.rate if line else None,
                    "dep_rate": line.dep_rate if line else None,
                    "published": bool(line.published) if line else None,
                }
            )
    return pd.DataFrame(rows)
