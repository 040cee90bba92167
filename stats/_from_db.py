"""The statistics tables and the quarterly report built from the database (alerts, sectors, members).

The one place the edges (CLI, app) call: read the records (:mod:`stats._sources`), check the reader's role
against the permission matrix, then hand the records to the pure builders.
"""

from __future__ import annotations

from datetime import datetime

import pandas as pd
from shapely.geometry.base import BaseGeometry
from sqlalchemy import Engine

from gis import SQUARE, InputError
from stats._alert_figures import parse_quarter
from stats._exports import StatsTables, build_tables
from stats._report import QuarterlyReport, build_quarterly_report
from stats._roles import as_role
from stats._sources import CommuneRecords, load_records
from store import transaction
from store.schema import Role


def check_reader(records: CommuneRecords, role: str) -> str:
    """The reader's role value; the gendarmerie reads a commune's statistics only while its access is open."""
    value = as_role(role)
    if value == Role.GENDARMERIE and not records.gendarmerie_open:
        raise InputError(
            f"L'accès de la gendarmerie à la commune {records.insee} est fermé : elle ne peut pas recevoir ses "
            "statistiques. Un administrateur de la mairie l'ouvre avec « voisinage gendarmerie open »."
        )
    return value.value


def quarterly_report_from_db(
    engine: Engine,
    insee: str,
    quarter: str,
    *,
    role: str = "mairie_admin",
    min_count: int = 5,
    heat_min_count: int = 5,
    cell_m: float = 250.0,
    heat_shape: str = SQUARE,
    streets: BaseGeometry | None = None,
) -> QuarterlyReport:
    """The quarterly report of ``insee`` with the alerts, sectors and members stored in the database.

    Parameters are those of :func:`stats.build_quarterly_report`; ``role`` is the reader (any spelling of a
    :class:`community.Role`).
    """
    start, end = parse_quarter(quarter)
    records = load_records(engine, insee, start, end)
    reader = check_reader(records, role)
    with transaction(engine) as session:
        return build_quarterly_report(
            session,
            insee,
            quarter,
            alerts=records.alerts,
            sectors=records.sectors,
            members=records.members,
            role=reader,
            min_count=min_count,
            heat_min_count=heat_min_count,
            cell_m=cell_m,
            heat_shape=heat_shape,
            notes=records.notes,
            from_database=True,
            streets=streets,
        )


def tables_from_db(
    engine: Engine,
    insee: str,
    *,
    role: str,
    min_count: int,
    year: int | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
) -> StatsTables:
    """Every statistics table of ``insee`` for ``role``: SSMSI figures of ``year`` and the alert figures and
    scheme monitoring of the alerts created in ``[start, end)`` (no bound: every alert), plus a ``notes``
    table saying how households were counted."""
    records = load_records(engine, insee, start, end)
    reader = check_reader(records, role)
    with transaction(engine) as session:
        tables = build_tables(
            session,
            insee,
            role=reader,
            min_count=min_count,
            year=year,
            alerts=records.alerts,
            sectors=records.sectors,
            members=records.members,
        )
    period = "toute la période" if start is None and end is None else f"du {_day(start)} au {_day(end, last=True)}"
    tables.tables["notes"] = pd.DataFrame({"note": [f"Alertes : {period}.", *records.notes]})
    return tables


def _day(moment: datetime | None, *, last: bool = False) -> str:
    if moment is None:
        return "…"
    stamp = pd.Timestamp(moment) - (pd.Timedelta(days=1) if last else pd.Timedelta(0))  # end is excluded
    return stamp.strftime("%d/%m/%Y")
