"""Statistics: SSMSI import, a commune's figures and their trend, and the statistics exports.

SSMSI figures are open data (Licence Ouverte, small counts already withheld by the SSMSI): anyone may read
them for any commune of an imported file, registered or not, so that a mairie compares itself with its
neighbours. The platform's own figures (alerts, members, scheme monitoring) are read for a registered
commune, by the audience the actor asks for: its own role by default, or a narrower one (a mairie preparing
the public version for residents); never a wider one than the permission matrix grants.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from services._core import Actor, ServiceError, unit_of_work
from services.communes import find

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from stats._dashboard_db import DashboardFigures
    from store.schema import Commune

SOURCES = ("ssmsi", "reference")
TREND_HEADERS = ("Indicateur", "Année", "Taux", "Évolution", "Taux département")


@dataclass(frozen=True)
class Table:
    """A titled table of text cells, ready to print."""

    title: str
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Imported:
    """What an SSMSI import stored."""

    summary: str  # one French sentence
    rows: int


@dataclass(frozen=True)
class Written:
    """Files written by an export."""

    paths: tuple[Path, ...]
    tables: int


def import_ssmsi(
    actor: Actor,
    file: Path,
    *,
    only: list[str] | None = None,
    places: dict[str, str] | None = None,
    progress: Callable[[int], None] | None = None,
) -> Imported:
    """Import an SSMSI file (communal or departmental base, or a reference table); re-importing changes nothing.

    Needs ``MANAGE_COMMUNES`` (platform reference data). ``places`` maps a place named in a reference table's
    columns to its INSEE code (``{"bouray_sur_juine": "91095"}``).
    """
    from community import Action, authorize, record
    from gis import InputError
    from stats import import_ssmsi as imported
    from store import bind_platform

    with unit_of_work() as session:
        authorize(session, actor, Action.MANAGE_COMMUNES)
        try:
            summary = imported(session, file, only_codes=only or None, places=places or {}, progress=progress)
        except InputError as exc:
            raise ServiceError(exc.message, exc.problems, field=exc.field or "file") from exc
        bind_platform(session)  # public reference data: a platform entry of the audit log
        record(session, actor, "created", "ssmsi_import", file.name, rows=summary.rows)
        return Imported(summary.describe(), summary.rows)


def _code(insee: str) -> str:
    from gis import InputError, check_insee

    try:
        return check_insee(insee)
    except InputError as exc:
        raise ServiceError(exc.message, field="commune") from exc


def _check_source(source: str | None) -> None:
    if source not in (None, *SOURCES):
        raise ServiceError(f"Source « {source} » inconnue ; choisissez ssmsi ou reference.", field="source")


def show(actor: Actor, insee: str, year: int, source: str | None = None) -> list[Table]:
    """The SSMSI indicators of commune ``insee`` (registered or not) for ``year``, beside its département.

    One table per source stored (SSMSI bases, reference table). ``field="year"`` when nothing is stored for
    that year (the message lists the years available).
    """
    from gis import InputError
    from stats import HEADERS, commune_views, view_rows

    _check_source(source)
    code = _code(insee)
    with unit_of_work() as session:
        try:
            views = commune_views(session, code, year, source)
        except InputError as exc:
            raise ServiceError(exc.message, field="year") from exc
        return [Table(v.title, tuple(HEADERS), tuple(tuple(r) for r in view_rows(v))) for v in views]


def trend(actor: Actor, insee: str, source: str | None = None) -> list[Table]:
    """Year by year, the SSMSI rates of commune ``insee`` (registered or not) beside its département.

    One table per source stored; ``field="commune"`` when no figure is stored for the commune.
    """
    import pandas as pd

    from stats import WITHHELD, commune_trend, fr_number, fr_rate
    from stats._indicators import SOURCE_LABELS

    _check_source(source)
    code = _code(insee)
    with unit_of_work() as session:
        frame = commune_trend(session, code, source)
    if frame.empty:
        raise ServiceError(
            f"Aucun chiffre de délinquance pour la commune {code} : importez d'abord un fichier SSMSI qui la contient.",
            field="commune",
        )
    tables = []
    for src, part in frame.groupby("source", sort=False):
        rows: list[tuple[str, ...]] = []
        for rec in part.to_dict("records"):
            rate = fr_rate(rec["rate"]) if rec["published"] else WITHHELD
            dep = fr_rate(rec["dep_rate"]) if pd.notna(rec["dep_rate"]) else "—"
            delta = rec["rate_change"]
            change = fr_number(delta, 2) if pd.notna(delta) else "—"  # points per 1,000 (Taux holds the ‰)
            rows.append((str(rec["label"]), str(rec["year"]), rate, change, dep))
        title = f"Commune {code} — évolution — {SOURCE_LABELS.get(str(src), str(src))}"
        tables.append(Table(title, TREND_HEADERS, tuple(rows)))
    return tables


def reader_role(session: Session, actor: Actor, commune: Commune, audience: str | None) -> str:
    """The role the figures are prepared for: ``audience`` (any spelling of a role) or the actor's own.

    A member reads only their own commune's figures; the figures of a wider audience than the public (small
    counts, scheme monitoring) need ``VIEW_STATS`` on the commune (the gendarmerie: while its access is open).

    Raises
    ------
    ServiceError
        ``field="audience"``: unknown role, or an audience the actor may not prepare figures for.
    """
    from community import Action, allowed
    from gis import InputError
    from stats import as_role, is_staff, role_label

    try:
        role = as_role(audience) if audience is not None else actor.role
    except InputError as exc:
        raise ServiceError(exc.message, field="audience") from exc
    if actor.commune_id is not None and actor.commune_id != commune.id:
        raise ServiceError(
            f"Les chiffres de la plateforme pour la commune {commune.insee} sont réservés à ses membres.",
            field="commune",
        )
    if is_staff(role) and not allowed(session, actor, Action.VIEW_STATS, commune_id=commune.id):
        raise ServiceError(
            f"Vous ne pouvez pas préparer les statistiques complètes de la commune {commune.insee} "
            f"(lecteur : {role_label(role)}).",
            field="audience",
        )
    return role.value


def period_bounds(
    year: int | None, quarter: str | None, all_alerts: bool
) -> tuple[datetime | None, datetime | None, int | None]:
    """``(start, end, ssmsi year)`` of an export: a quarter, else a year, else every alert."""
    import pandas as pd

    from gis import InputError
    from stats import parse_quarter

    if quarter is not None and all_alerts:
        raise ServiceError("Choisissez un trimestre ou toutes les alertes, pas les deux.", field="quarter")
    start = end = None
    if quarter is not None:
        try:
            start, end = parse_quarter(quarter)
        except InputError as exc:
            raise ServiceError(exc.message, field="quarter") from exc
    elif year is not None and not all_alerts:
        start = pd.Timestamp(year=year, month=1, day=1, tz="Europe/Paris")
        end = pd.Timestamp(year=year + 1, month=1, day=1, tz="Europe/Paris")
    shown_year = year if year is not None else (start.year if start is not None else None)
    return start, end, shown_year


def export(
    actor: Actor,
    insee: str,
    out_path: Path,
    *,
    year: int | None = None,
    quarter: str | None = None,
    all_alerts: bool = False,
    audience: str | None = None,
) -> Written:
    """Every statistics table of a registered commune, as an Excel workbook (``.xlsx``) or a folder of CSVs.

    SSMSI indicators of ``year``; alert figures and scheme monitoring for ``quarter``, else ``year``, else
    every alert; small counts hidden unless the audience sees every figure.
    """
    from community import record
    from gis import InputError
    from services._config import settings
    from services._core import engine
    from stats import tables_from_db, write_csv, write_excel

    start, end, shown_year = period_bounds(year, quarter, all_alerts)
    with unit_of_work() as session:
        commune = find(session, insee)
        reader = reader_role(session, actor, commune, audience)
        code, cid = commune.insee, commune.id
    try:
        tables = tables_from_db(
            engine(), code, role=reader, min_count=settings().stats_min_count, year=shown_year, start=start, end=end
        )
    except InputError as exc:
        raise ServiceError(exc.message, exc.problems, field=exc.field or "audience") from exc
    if out_path.suffix.lower() == ".xlsx":
        written = Written((write_excel(tables, out_path),), len(tables.tables))
    else:
        paths = write_csv(tables, out_path)
        written = Written(tuple(paths), len(paths))
    with unit_of_work(cid) as session:
        record(session, actor, "exported", "stats", code, commune_id=cid, audience=reader)
    return written


@dataclass(frozen=True)
class Figure:
    """One SSMSI indicator of a commune for one year, beside its département (rates per 1,000; None: withheld)."""

    source: str  # label of the source (SSMSI base, reference table)
    indicator: str
    year: int
    rate: float | None
    dep_rate: float | None


def figures(actor: Actor, insee: str) -> tuple[Figure, ...]:
    """Every SSMSI rate of commune ``insee`` (registered or not), year by year, beside its département (for charts).

    Open data: anyone may read them. Empty when no SSMSI file holding the commune was imported.
    """
    import pandas as pd

    from stats import commune_trend
    from stats._indicators import SOURCE_LABELS

    code = _code(insee)
    with unit_of_work() as session:
        frame = commune_trend(session, code, None)

    def number(value: Any) -> float | None:
        return None if value is None or pd.isna(value) else float(value)

    return tuple(
        Figure(
            SOURCE_LABELS.get(str(rec["source"]), str(rec["source"])),
            str(rec["label"]),
            int(rec["year"]),
            number(rec["rate"]) if rec["published"] else None,
            number(rec["dep_rate"]),
        )
        for rec in frame.to_dict("records")
    )


def _own_reader(actor: Actor) -> tuple[str, str]:
    """``(reader role, INSEE code)`` for the actor's own commune (see :func:`reader_role`)."""
    from services._community import in_commune

    with in_commune(actor, None) as (session, commune):
        return reader_role(session, actor, commune, None), commune.insee


PLATFORM_TABLES = {
    "alertes_par_categorie": "Alertes publiées par catégorie",
}


def platform_tables(actor: Actor, year: int) -> list[Table]:
    """The alerts of the actor's commune created in ``year`` by category, and beside the SSMSI indicators
    they relate to, prepared for the actor's role (small counts hidden unless the reader is staff)."""
    import pandas as pd

    from gis import InputError
    from services._config import settings
    from services._core import engine
    from stats import tables_from_db

    start, end, _ = period_bounds(year, None, False)
    reader, code = _own_reader(actor)
    try:
        found = tables_from_db(
            engine(), code, role=reader, min_count=settings().stats_min_count, year=year, start=start, end=end
        ).tables
    except InputError as exc:
        raise ServiceError(exc.message, exc.problems, field=exc.field or "audience") from exc

    def cell(value: Any) -> str:
        return "—" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)

    return [
        Table(
            title,
            tuple(str(c).replace("_", " ") for c in found[name].columns),
            tuple(tuple(cell(v) for v in row) for row in found[name].itertuples(index=False)),
        )
        for name, title in PLATFORM_TABLES.items()
        if name in found
    ]


@dataclass(frozen=True)
class IndicatorBeside:
    """One SSMSI indicator of the commune for a year, beside its département and the related app alerts.

    ``count``/``rate`` are None when the SSMSI withheld the commune's figure; ``alerts`` is None when the
    reader may not see it (fewer than the minimum count, for the public version); ``categories`` are the
    labels of the commune's categories related to it (empty: no alert category relates to it).
    """

    key: str
    indicator: str
    count: int | None
    rate: float | None
    rate_base: str
    dep_count: int | None
    dep_rate: float | None
    categories: tuple[str, ...]
    alerts: int | None


@dataclass(frozen=True)
class CategoriesBeside:
    """The commune's alert categories beside the SSMSI indicators they relate to, for one year."""

    insee: str
    year: int
    source: str  # label of the SSMSI source the figures come from
    rows: tuple[IndicatorBeside, ...]
    without_equivalent: tuple[str, ...]  # labels of the security categories related to no indicator
    public: bool  # small counts withheld (the residents' version)
    min_count: int


def categories_beside(actor: Actor, year: int) -> CategoriesBeside:
    """Each SSMSI indicator of the actor's commune for ``year`` beside its département, and the number of
    published alerts of the commune's related categories (:mod:`stats._category_links`) created that year.

    Every member reads their own commune's; residents and referents the public version (counts of a category
    under ``VOISINAGE_STATS_MIN_COUNT`` withheld, and every sum holding one); the gendarmerie only while the
    mairie keeps its access open.

    Raises
    ------
    ServiceError
        ``field="commune"`` for an account of no commune; ``"audience"`` when the matrix refuses;
        ``"year"`` when no SSMSI figure of the commune is stored for ``year`` (the years available listed).
    """
    from alerts import Family, category_entries
    from gis import InputError
    from services._community import in_commune
    from services._config import settings
    from services._core import engine
    from stats import alerts_frame, check_reader, commune_views, counts_by, hide_small, is_staff, load_records
    from stats._category_links import alerts_beside, link_categories
    from stats._indicators import BASE_LABELS, SOURCE_LABELS

    min_count = settings().stats_min_count
    start, end, _ = period_bounds(year, None, False)
    with in_commune(actor, None) as (session, commune):
        reader = reader_role(session, actor, commune, None)
        code = commune.insee
        labels = {e.code: e.label for e in category_entries(session, commune.id) if e.family == Family.SECURITY}
        try:
            views = commune_views(session, code, year)
        except InputError as exc:
            raise ServiceError(exc.message, field="year") from exc
    try:
        records = load_records(engine(), code, start, end)
        check_reader(records, reader)
    except InputError as exc:
        raise ServiceError(exc.message, exc.problems, field="audience") from exc
    alerts = alerts_frame(records.alerts)
    by_code = counts_by(alerts.assign(category=alerts["category_code"].astype(str)), "category")
    counts = {str(c): int(n) for c, n in zip(by_code["category"], by_code["count"], strict=True)}
    # The same masking as the per-category table (primary and secondary), over every category.
    masked = hide_small(by_code, reader, min_count)
    hidden = set(masked.loc[masked["hidden"], "category"].astype(str))
    view = next((v for v in views if v.source == "ssmsi"), views[0])
    links = link_categories(labels.items())
    beside = alerts_beside([line.indicator for line in view.lines], links, counts, hidden)
    rows = tuple(
        IndicatorBeside(
            key=line.indicator,
            indicator=line.label,
            count=line.count,
            rate=line.rate,
            rate_base=BASE_LABELS.get(line.rate_base, line.rate_base),
            dep_count=line.dep_count,
            dep_rate=line.dep_rate,
            categories=tuple(labels.get(c, c) for c in beside[line.indicator].categories),
            alerts=beside[line.indicator].alerts,
        )
        for line in view.lines
    )
    return CategoriesBeside(
        insee=code,
        year=year,
        source=SOURCE_LABELS.get(view.source, view.source),
        rows=rows,
        without_equivalent=tuple(labels[c] for c in links.without_equivalent),
        public=not is_staff(reader),
        min_count=min_count,
    )


@dataclass(frozen=True)
class HeatCellInfo:
    """One heat map cell: its centre (WGS84 longitude, latitude) and how many alerts it holds."""

    lon: float
    lat: float
    count: int


@dataclass(frozen=True)
class HeatView:
    """The heat cells of the actor's commune over a period, and what they were prepared for."""

    insee: str
    cells: tuple[HeatCellInfo, ...]
    cell_m: float
    min_count: int  # cells holding fewer alerts are not shown (1: every cell, for staff)


def alert_categories(actor: Actor) -> list[tuple[str, str]]:
    """``(code, label)`` of the alert categories the actor's commune offers (for the heat map's selector)."""
    from alerts._context import commune_categories
    from services._community import in_commune

    with in_commune(actor, None) as (session, commune):
        return [(c.code, c.label) for c in commune_categories(session, commune.id)]


def heat(
    actor: Actor,
    start: datetime | None = None,
    end: datetime | None = None,
    categories: tuple[str, ...] | None = None,
) -> HeatView:
    """The heat cells of the public alerts of the actor's commune created in ``[start, end)``, binned server-side.

    Only cell centres and counts leave here, never an alert's point. Cells under the minimum count
    (``VOISINAGE_HEAT_MIN_COUNT``) are dropped unless the reader is staff; the gendarmerie reads them only
    while the mairie keeps its access open.

    Raises
    ------
    ServiceError
        ``field="commune"`` for an account of no commune; ``"audience"`` when the matrix refuses.
    """
    import shapely

    from gis import InputError
    from services._config import settings
    from services._core import engine
    from stats import alert_heat, is_staff

    reader, code = _own_reader(actor)
    s = settings()
    try:
        bins = alert_heat(
            engine(), code, reader, start, end, cell_m=s.heat_cell_m, min_count=s.heat_min_count, categories=categories
        )
    except InputError as exc:
        raise ServiceError(exc.message, exc.problems, field="audience") from exc
    centres: list[Any] = list(shapely.centroid(bins.polygons(4326))) if len(bins) else []
    cells = tuple(HeatCellInfo(float(p.x), float(p.y), int(n)) for p, n in zip(centres, bins.count, strict=True))
    return HeatView(code, cells, s.heat_cell_m, 1 if is_staff(reader) else s.heat_min_count)


def warm_heat_cache() -> int:
    """Read the communes' public alert points into memory (embedded backend: see :func:`stats.warm_heat`),
    so that the first heat map after a start is as quick as the next ones; the number of communes read.

    No actor: nothing leaves the process (``voisinage serve`` calls it in the background at start).
    """
    from services._core import engine
    from stats import warm_heat

    return warm_heat(engine())


def dashboard(
    actor: Actor, start: datetime | None = None, end: datetime | None = None, *, now: datetime | None = None
) -> DashboardFigures:
    """The « Tableau de bord » of the actor's commune: alerts per week by category over ``[start, end)``
    (default: the last 12 weeks), moderation and acknowledgement delays, the gendarmerie's feedback share,
    and each sector's health as of ``now`` (definitions in :mod:`stats._dashboard`).

    Needs ``VIEW_STATS`` on the commune (the mairie; the gendarmerie while its access is open). Member
    figures per sector only when the matrix lets the actor list the commune's members (not the gendarmerie).
    Delays over fewer alerts than ``VOISINAGE_STATS_MIN_COUNT`` are withheld for everyone.

    Raises
    ------
    ServiceError
        ``field="actor"`` when the matrix refuses, ``"commune"`` for an account of no commune,
        ``"period"`` for an empty or naive period.
    """
    from datetime import UTC

    from community import Action, allowed, authorize
    from gis import InputError
    from services._community import in_commune
    from services._config import settings
    from services._core import engine
    from stats._dashboard_db import dashboard_from_db, default_period

    moment = now or datetime.now(UTC)
    if moment.tzinfo is None or any(d is not None and d.tzinfo is None for d in (start, end)):
        raise ServiceError("Les dates de la période doivent porter un fuseau horaire.", field="period")
    first, last = default_period(moment)
    with in_commune(actor, None) as (session, commune):
        authorize(session, actor, Action.VIEW_STATS, commune_id=commune.id)
        members = allowed(session, actor, Action.LIST_MEMBERS, commune_id=commune.id)
        code = commune.insee
    try:
        return dashboard_from_db(
            engine(),
            code,
            start or first,
            end or last,
            now=moment,
            members=members,
            min_sample=settings().stats_min_count,
        )
    except InputError as exc:
        raise ServiceError(exc.message, exc.problems, field=exc.field or "period") from exc


__all__ = [
    "CategoriesBeside",
    "Figure",
    "HeatCellInfo",
    "HeatView",
    "Imported",
    "IndicatorBeside",
    "Table",
    "Written",
    "alert_categories",
    "categories_beside",
    "dashboard",
    "export",
    "figures",
    "heat",
    "import_ssmsi",
    "period_bounds",
    "platform_tables",
    "reader_role",
    "show",
    "trend",
    "warm_heat_cache",
]
