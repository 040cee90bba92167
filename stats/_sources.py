"""The data layer of the alert figures: read a commune's alerts, sectors and members from the database into
the record shapes of :mod:`stats._alert_figures`, and bin its alerts for heat maps, on both backends.

Reads go through one transaction bound to the commune (:func:`alerts.scoped`: row-level security on PostGIS).

What the records hold
    Alerts created in ``[start, end)``, every status (public figures count only published, acknowledged and
    closed ones; moderation figures the rejected ones). Anonymised alerts keep their category, sector,
    dates and status, so they count; they lose their point (no heat cell, no ``lon``/``lat``).
    ``sector_code`` is the sector the point lies in (``alert_sectors.home``; the lowest code when a point
    lies on a shared edge); ``perimeter_codes`` lists the sectors the alert was diffused to.
    ``acknowledged_at``/``acknowledged_by`` come from the first *acknowledge* move of the history, or from
    a closing by the mairie or the gendarmerie when nobody acknowledged first; ``gendarmerie_feedback`` is
    true when the gendarmerie closed the alert (a closing always carries feedback).
Households per sector
    The numbered BAN addresses of the commune falling in each sector of the active set (one address may
    hold several households: a lower bound, documented as such in outputs). Unknown (``None``: no rate)
    when the commune's BAN file was not imported.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd
from pyproj import Transformer
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from alerts import DEFAULT_CATEGORIES, VISIBLE_STATUSES, commune_categories, scoped
from community import Action, gendarmerie_access_open, roles_allowed
from gis import SQUARE, HeatBins, InputError, bin_xy
from sectors import active_set, get_commune, locate_many
from stats._alert_figures import ALERT_FIELDS
from stats._heat import bin_in
from stats._heat_cache import MAX_COMMUNES, public_points
from stats._roles import as_role, is_staff
from store import is_postgis, transaction
from store.schema import (
    Address,
    Alert,
    AlertEvent,
    AlertSector,
    Commune,
    Member,
    MemberStatus,
    ReferentAssignment,
    Role,
)

PUBLIC_STATUSES = tuple(sorted(s.value for s in VISIBLE_STATUSES))
HOUSEHOLDS_NOTE = (
    "Ménages par secteur : nombre d'adresses numérotées de la Base Adresse Nationale dans le secteur "
    "(une adresse peut abriter plusieurs ménages : c'est un minimum)."
)
NO_HOUSEHOLDS_NOTE = (
    "Ménages par secteur inconnus : la Base Adresse Nationale de la commune n'est pas importée "
    "(« voisinage addresses import FICHIER ») ; aucun taux pour 1 000 ménages n'est calculé."
)


@dataclass
class CommuneRecords:
    """A commune's records for the statistics, as :mod:`stats._alert_figures` expects them."""

    insee: str
    commune_id: int
    name: str
    crs_epsg: int
    alerts: pd.DataFrame
    sectors: list[dict[str, Any]]
    members: pd.DataFrame
    households_known: bool
    gendarmerie_open: bool
    notes: list[str] = field(default_factory=list)


def _utc(moment: datetime | pd.Timestamp | None) -> datetime | None:
    if moment is None:
        return None
    stamp = pd.Timestamp(moment)
    if stamp.tzinfo is None:
        raise InputError("Les bornes de la période doivent porter un fuseau horaire.")
    # UTC: SQLite stores the UTC fields of our aware datetimes without offset; PostgreSQL compares timestamptz.
    return stamp.tz_convert(UTC).to_pydatetime()


def _period(query: Any, start: datetime | None, end: datetime | None) -> Any:
    if start is not None:
        query = query.where(Alert.created_at >= start)
    if end is not None:
        query = query.where(Alert.created_at < end)
    return query


def _as_utc_series(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values, utc=True)


def category_index(session: Session, commune_id: int) -> dict[str, tuple[str, str]]:
    """``code -> (label, family value)`` of the commune's categories; the default ones for a category it has
    since disabled (its old alerts still count)."""
    return {c.code: (c.label, c.family.value) for c in DEFAULT_CATEGORIES} | {
        c.code: (c.label, c.family.value) for c in commune_categories(session, commune_id)
    }


def read_alerts(
    session: Session, commune: Commune, start: datetime | None = None, end: datetime | None = None
) -> pd.DataFrame:
    """The commune's alerts created in ``[start, end)`` as alert records (a DataFrame; see the module doc).

    ``session`` must be bound to the commune (:func:`alerts.scoped`).
    """
    start, end = _utc(start), _utc(end)
    labels = {code: label for code, (label, _family) in category_index(session, commune.id).items()}
    home = (
        select(AlertSector.alert_id, func.min(AlertSector.sector_code).label("code"))
        .where(AlertSector.commune_id == commune.id, AlertSector.home.is_(True))
        .group_by(AlertSector.alert_id)
        .subquery()
    )
    query = _period(
        select(
            Alert.id,
            Alert.category,
            Alert.status,
            Alert.created_at,
            Alert.published_at,
            Alert.closed_at,
            Alert.x_m,
            Alert.y_m,
            Alert.anonymised_at,
            home.c.code,
        )
        .outerjoin(home, home.c.alert_id == Alert.id)
        .where(Alert.commune_id == commune.id),
        start,
        end,
    ).order_by(Alert.id)
    rows = session.execute(query).all()
    columns = ["id", "category_code", "status", "created_at", "published_at", "closed_at", "x_m", "y_m", "anon", "sc"]
    frame = pd.DataFrame.from_records(rows, columns=columns)
    if frame.empty:
        return pd.DataFrame(columns=[*ALERT_FIELDS, "category_code", "x_m", "y_m", "anonymised", "perimeter_codes"])
    ids = select(Alert.id).where(Alert.commune_id == commune.id)
    ids = _period(ids, start, end)
    perimeter = session.execute(
        select(AlertSector.alert_id, AlertSector.sector_code).where(
            AlertSector.commune_id == commune.id, AlertSector.alert_id.in_(ids)
        )
    ).all()
    codes = pd.DataFrame.from_records(perimeter, columns=["id", "code"]).sort_values(["id", "code"])
    by_alert = codes.groupby("id")["code"].agg(tuple)
    ev = alert_moves(session, commune.id, ids, ("acknowledge", "close"))
    ev["authority"] = ev["role"].isin({r.value for r in roles_allowed(Action.HANDLE_ALERTS)})
    ev["who"] = np.where(ev["role"] == Role.GENDARMERIE.value, "gendarmerie", "mairie")
    # First acknowledgement; else a closing by an authority (closing is taking the alert into account too).
    taken = ev[(ev["move"] == "acknowledge") | ((ev["move"] == "close") & ev["authority"])]
    first = taken.drop_duplicates("id").set_index("id")
    feedback = set(ev.loc[(ev["move"] == "close") & (ev["role"] == Role.GENDARMERIE.value), "id"])

    out = pd.DataFrame(
        {
            "id": frame["id"].astype(int),
            "category": frame["category_code"].map(lambda c: labels.get(c, c)).str.lower(),
            "category_code": frame["category_code"],
            "sector_code": frame["sc"].where(frame["sc"].notna(), None),
            "created_at": _as_utc_series(frame["created_at"]),
            "published_at": _as_utc_series(frame["published_at"]),
            "acknowledged_at": frame["id"].map(first["at"]) if len(first) else pd.NaT,
            "acknowledged_by": frame["id"].map(first["who"]) if len(first) else None,
            "closed_at": _as_utc_series(frame["closed_at"]),
            "gendarmerie_feedback": frame["id"].isin(feedback),
            "status": frame["status"].astype(str),
            "x_m": pd.to_numeric(frame["x_m"]),
            "y_m": pd.to_numeric(frame["y_m"]),
            "anonymised": frame["anon"].notna(),
            "perimeter_codes": frame["id"].map(by_alert).map(lambda v: v if isinstance(v, tuple) else ()),
        }
    )
    out["acknowledged_at"] = _as_utc_series(out["acknowledged_at"])
    # Exact lon/lat from the stored metric coordinates (the same point, no geometry decoding).
    to_wgs = Transformer.from_crs(commune.crs_epsg, 4326, always_xy=True)
    lon, lat = to_wgs.transform(out["x_m"].to_numpy(float), out["y_m"].to_numpy(float))
    out["lon"], out["lat"] = lon, lat
    return out


def alert_moves(session: Session, commune_id: int, ids: Any, moves: tuple[str, ...]) -> pd.DataFrame:
    """The ``moves`` of the history of the alerts ``ids`` (a select of alert ids), oldest first per alert.

    Columns ``id`` (alert), ``move``, ``at`` (UTC) and ``role`` (the role value of whoever moved; None for
    the system or a member since deleted).
    """
    events = session.execute(
        select(AlertEvent.alert_id, AlertEvent.move, AlertEvent.at, Member.role)
        .outerjoin(Member, Member.id == AlertEvent.actor_id)
        .where(AlertEvent.commune_id == commune_id, AlertEvent.move.in_(moves), AlertEvent.alert_id.in_(ids))
        .order_by(AlertEvent.alert_id, AlertEvent.id)
    ).all()
    # Plain tuples: pandas probes each Row's attributes otherwise (a third of the time on 30,000 events).
    ev = pd.DataFrame.from_records([tuple(e) for e in events], columns=["id", "move", "at", "role"])
    ev["at"] = _as_utc_series(ev["at"])
    ev["role"] = ev["role"].map(lambda r: None if r is None else str(getattr(r, "value", r)))
    return ev


def households_by_sector(engine: Engine, insee: str, sector_ids: dict[int, str]) -> dict[str, int] | None:
    """Numbered BAN addresses of ``insee`` per sector code of the active set; None when none is imported."""
    with transaction(engine) as session:
        rows = session.execute(
            select(Address.lon, Address.lat).where(Address.insee == insee, Address.numero.is_not(None))
        ).all()
    if not rows:
        return None
    pts = np.asarray(rows, dtype=float).reshape(-1, 2)
    found = locate_many(engine, insee, pts[:, 0], pts[:, 1])
    ids, counts = np.unique(found[found >= 0], return_counts=True)
    out = dict.fromkeys(sector_ids.values(), 0)
    for sid, n in zip(ids.tolist(), counts.tolist(), strict=True):
        if sid in sector_ids:
            out[sector_ids[sid]] = int(n)
    return out


def read_sectors(session: Session, engine: Engine, commune: Commune) -> tuple[list[dict[str, Any]], bool]:
    """Sector records of the active set (``code, name, households, referent_places, geom``), and whether the
    households are known (BAN imported)."""
    current = active_set(session, commune)
    if current is None:
        return [], False
    sectors = sorted(current.sectors, key=lambda s: s.code)
    households = households_by_sector(engine, commune.insee, {s.id: s.code for s in sectors})
    records = [
        {
            "code": s.code,
            "name": s.name,
            "households": households.get(s.code) if households is not None else None,
            "referent_places": s.referent_places,
            "geom": s.geom,
        }
        for s in sectors
    ]
    return records, households is not None


def read_members(session: Session, commune: Commune) -> pd.DataFrame:
    """Member records: one home row per member (``assignment`` false), one row per open referent assignment."""
    homes = session.execute(
        select(Member.id, Member.sector_code, Member.role, Member.status).where(
            Member.commune_id == commune.id, Member.status != MemberStatus.DELETED
        )
    ).all()
    assignments = session.execute(
        select(Member.id, ReferentAssignment.sector_code, Member.status)
        .join(Member, Member.id == ReferentAssignment.member_id)
        .where(
            ReferentAssignment.commune_id == commune.id,
            ReferentAssignment.ended_at.is_(None),
            Member.role == Role.REFERENT,
        )
    ).all()

    def value(v: Any) -> str:
        return str(getattr(v, "value", v))

    rows = [
        {"member_id": i, "sector_code": code, "role": value(role), "status": value(status), "assignment": False}
        for i, code, role, status in homes
    ] + [
        {"member_id": i, "sector_code": code, "role": "referent", "status": value(status), "assignment": True}
        for i, code, status in assignments
    ]
    return pd.DataFrame(rows, columns=["member_id", "sector_code", "role", "status", "assignment"])


def load_records(
    engine: Engine, insee: str, start: datetime | None = None, end: datetime | None = None
) -> CommuneRecords:
    """Everything the alert figures, monitoring, exports and the quarterly report need, from the database.

    Parameters
    ----------
    engine
        Either backend.
    insee
        A registered commune.
    start, end
        Aware datetimes: alerts created in ``[start, end)`` (None: no bound).
    """
    with transaction(engine) as session:
        commune = get_commune(session, insee)
        commune_id = commune.id
    with scoped(engine, commune_id) as session:
        bound = session.get(Commune, commune_id)
        assert bound is not None
        commune = bound
        alerts = read_alerts(session, commune, start, end)
        sectors, known = read_sectors(session, engine, commune)
        members = read_members(session, commune)
        records = CommuneRecords(
            insee=commune.insee,
            commune_id=commune.id,
            name=commune.name,
            crs_epsg=commune.crs_epsg,
            alerts=alerts,
            sectors=sectors,
            members=members,
            households_known=known,
            gendarmerie_open=gendarmerie_access_open(session, commune.id),
        )
    if sectors:
        records.notes.append(HOUSEHOLDS_NOTE if known else NO_HOUSEHOLDS_NOTE)
    else:
        records.notes.append("La commune n'a pas de découpage en secteurs actif : pas de chiffres par secteur.")
    anonymised = int(alerts["anonymised"].sum()) if len(alerts) else 0
    if anonymised:
        records.notes.append(
            f"{anonymised} alerte(s) anonymisée(s) (durée de conservation) : comptées dans les chiffres, "
            "sans position sur la carte."
        )
    return records


def warm_heat(engine: Engine) -> int:
    """Read the public alert points of the communes into the embedded backend's heat cache (as many as it
    keeps), so that the first heat map after a start costs what the next ones do; the number of communes read.

    PostGIS bins in the database and keeps no cache: nothing to do (0).
    """
    if is_postgis(engine):
        return 0
    with transaction(engine) as session:
        query = select(Commune.id, Commune.crs_epsg).order_by(Commune.id).limit(MAX_COMMUNES)
        communes = [(int(i), int(crs)) for i, crs in session.execute(query)]
    key = engine.url.render_as_string(hide_password=True)
    for commune_id, crs in communes:
        with scoped(engine, commune_id) as session:
            xy = public_points(session, key, commune_id, PUBLIC_STATUSES, None, None)
        bin_xy(xy[:, 0], xy[:, 1], 250.0, SQUARE, crs).polygons(4326)  # and the projection of the cells
    return len(communes)


def alert_heat(
    engine: Engine,
    insee: str,
    role: str,
    start: datetime | None = None,
    end: datetime | None = None,
    *,
    shape: str = SQUARE,
    cell_m: float = 250.0,
    min_count: int = 5,
    categories: tuple[str, ...] | None = None,
) -> HeatBins:
    """Heat cells of a commune's public alerts (published, acknowledged, closed) created in ``[start, end)``.

    ``categories``: only the alerts of these category codes (None: every category).

    Binned on the alerts' stored metric coordinates (``alerts.x_m``/``y_m``, in the commune's metric CRS):
    one ``GROUP BY`` on PostGIS, numpy on SQLite; both give the same cells (:mod:`gis._heat`). Cells with
    fewer than ``min_count`` alerts are dropped for readers who are not staff (see :func:`stats.is_staff`).
    Anonymised alerts have no point any more and are not on the map.

    Raises
    ------
    gis.InputError
        Unknown commune or role; the gendarmerie while the mairie keeps its access closed.
    """
    minimum = 1 if is_staff(role) else max(1, int(min_count))
    lo, hi = _utc(start), _utc(end)
    with transaction(engine) as session:
        commune = get_commune(session, insee)
        commune_id, crs = commune.id, commune.crs_epsg
        if as_role(role) == Role.GENDARMERIE and not gendarmerie_access_open(session, commune_id):
            raise InputError(f"L'accès de la gendarmerie à la commune {insee} est fermé : pas de carte des alertes.")
    with scoped(engine, commune_id) as session:
        if is_postgis(engine):
            where = ["commune_id = :cid", "status = ANY(:statuses)", "x_m IS NOT NULL", "y_m IS NOT NULL"]
            params: dict[str, Any] = {"cid": commune_id, "statuses": list(PUBLIC_STATUSES)}
            if lo is not None:
                where.append("created_at >= :lo")
                params["lo"] = lo
            if hi is not None:
                where.append("created_at < :hi")
                params["hi"] = hi
            if categories is not None:
                where.append("category = ANY(:categories)")
                params["categories"] = list(categories)
            return bin_in(
                session.connection(),
                "alerts",
                crs=crs,
                cell_m=cell_m,
                shape=shape,
                where=" AND ".join(where),
                params=params,
                min_count=minimum,
                metric_columns=("x_m", "y_m"),
            )
        key = engine.url.render_as_string(hide_password=True)
        xy = public_points(session, key, commune_id, PUBLIC_STATUSES, lo, hi, categories)
    bins = bin_xy(xy[:, 0], xy[:, 1], cell_m, shape, crs)
    return bins.at_least(minimum) if minimum > 1 else bins
