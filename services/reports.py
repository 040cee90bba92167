"""The quarterly report for the mairie–referents–gendarmerie meeting (PDF or HTML)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from services._core import Actor, ServiceError, unit_of_work
from services.communes import find
from services.stats import reader_role

if TYPE_CHECKING:
    import pandas as pd

    from services.staff import Download

REPORT_SUFFIXES = (".pdf", ".html", ".htm")
SHAPES = ("square", "hex")


@dataclass(frozen=True)
class Report:
    """A report written to a file."""

    path: Path
    quarter: str
    commune: str
    alerts_in_quarter: int


def read_alert_records(path: Path) -> pd.DataFrame:
    """Alert records from a CSV (``;`` or ``,``) or JSON-lines file with the fields of ``stats.ALERT_FIELDS``."""
    import pandas as pd

    from stats import ALERT_FIELDS

    if not path.is_file():
        raise ServiceError(f"Fichier d'alertes introuvable : {path}.", field="alerts")
    try:
        if path.suffix.lower() in {".jsonl", ".ndjson", ".json"}:
            frame = pd.read_json(path, lines=path.suffix.lower() != ".json")
        else:
            frame = pd.read_csv(path, sep=None, engine="python")
    except ValueError as exc:
        raise ServiceError(f"Fichier d'alertes illisible : {path.name} ({exc}).", field="alerts") from exc
    missing = [f for f in ALERT_FIELDS if f not in frame.columns]
    if missing:
        raise ServiceError(f"Fichier d'alertes {path.name} : colonnes manquantes {', '.join(missing)}.", field="alerts")
    return frame


def quarterly(
    actor: Actor,
    insee: str,
    quarter: str,
    out_file: Path,
    *,
    audience: str | None = None,
    shape: str = "square",
    alerts_file: Path | None = None,
) -> Report:
    """Write the quarterly report of a registered commune (density map, indicators, monitoring, SSMSI).

    Parameters
    ----------
    quarter
        ``2026-Q3`` (or ``2026-T3``).
    out_file
        ``.pdf`` or ``.html``.
    audience
        Who reads it (a role); default: the actor's role. See :func:`services.stats.reader_role`.
    shape
        Map cells: ``square`` or ``hex``.
    alerts_file
        Alerts read from this CSV / JSON-lines file instead of the database (sectors and members still from
        the database).
    """
    from community import record
    from gis import InputError
    from services._config import settings
    from services._core import engine
    from stats import (
        build_quarterly_report,
        check_reader,
        load_records,
        parse_quarter,
        quarterly_report_from_db,
        render_html,
        render_pdf,
    )

    suffix = out_file.suffix.lower()
    if suffix not in REPORT_SUFFIXES:
        raise ServiceError(f"« {out_file.name} » doit finir par .pdf ou .html.", field="out")
    if shape not in SHAPES:
        raise ServiceError(f"Forme de cellule « {shape} » inconnue ; choisissez square ou hex.", field="shape")
    with unit_of_work() as session:
        commune = find(session, insee)
        reader = reader_role(session, actor, commune, audience)
        code, cid = commune.insee, commune.id
    s = settings()
    options = {
        "role": reader,
        "min_count": s.stats_min_count,
        "heat_min_count": s.heat_min_count,
        "cell_m": s.heat_cell_m,
        "heat_shape": shape,
    }
    try:
        if alerts_file is None:
            report = quarterly_report_from_db(engine(), code, quarter, **options)  # type: ignore[arg-type]
        else:
            alerts = read_alert_records(alerts_file)
            records = load_records(engine(), code, *parse_quarter(quarter))
            check_reader(records, reader)
            with unit_of_work() as session:
                report = build_quarterly_report(
                    session,
                    code,
                    quarter,
                    alerts=alerts,
                    sectors=records.sectors,
                    members=records.members,
                    notes=[n for n in records.notes if "anonymisée" not in n],
                    **options,  # type: ignore[arg-type]
                )
    except ServiceError:
        raise
    except InputError as exc:
        field = "quarter" if "Trimestre" in exc.message else (exc.field or "audience")
        raise ServiceError(exc.message, exc.problems, field=field) from exc
    if suffix == ".pdf":
        render_pdf(report, out_file)
    else:
        out_file.parent.mkdir(parents=True, exist_ok=True)
        out_file.write_text(render_html(report), encoding="utf-8")
    with unit_of_work(cid) as session:
        record(session, actor, "exported", "quarterly_report", quarter, commune_id=cid, audience=reader)
    return Report(out_file, report.quarter, report.commune, report.alerts_in_quarter)


def quarterly_download(actor: Actor, quarter: str, *, audience: str | None = None) -> Download:
    """The quarterly report of the actor's commune as a PDF to hand to the browser (see :func:`quarterly`)."""
    import tempfile

    from services._community import in_commune
    from services.staff import Download

    with in_commune(actor, None) as (_session, commune):
        insee = commune.insee
    with tempfile.TemporaryDirectory(prefix="voisinage-rapport-") as folder:
        done = quarterly(actor, insee, quarter, Path(folder) / "rapport.pdf", audience=audience)
        data = done.path.read_bytes()
    return Download(f"rapport-{insee}-{done.quarter}.pdf", data, "application/pdf")


__all__ = ["Report", "quarterly", "quarterly_download", "read_alert_records"]
