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
    from shapely.geometry.base import BaseGeometry

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


def commune_streets(insee: str, streets_file: Path | None = None) -> BaseGeometry | None:
    """The streets of commune ``insee`` to draw on its report's map (lines, EPSG:4326), or None.

    From ``streets_file``, else the ``map_streets_file`` setting, else the cached OpenStreetMap download of
    the commune (sector generation); lines outside the commune are cut by the map itself.
    """
    import shapely

    from gis import InputError, OsmnxStreetSource, read_street_file
    from services._config import settings, streets_cache_dir

    s = settings()
    if streets_file is not None and not streets_file.is_file():
        raise ServiceError(f"Fichier de rues introuvable : {streets_file}.", field="streets")
    candidates = [streets_file] if streets_file is not None else []
    if s.map_streets_file:
        candidates.append(Path(s.map_streets_file))
    candidates.append(OsmnxStreetSource(streets_cache_dir()).cache_path(insee))
    path = next((p for p in candidates if p.is_file()), None)
    if path is None:
        return None
    try:
        frame = read_street_file(path, max_mb=s.max_streets_mb).to_crs(4326)
    except InputError as exc:
        raise ServiceError(exc.message, exc.problems, field="streets") from exc
    return shapely.union_all(frame.geometry.values)


def quarterly(
    actor: Actor,
    insee: str,
    quarter: str,
    out_file: Path,
    *,
    audience: str | None = None,
    shape: str = "square",
    alerts_file: Path | None = None,
    streets_file: Path | None = None,
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
    streets_file
        The streets drawn on the map (OSM, Overpass GeoJSON); default: the ``map_streets_file`` setting, else
        the commune's cached OpenStreetMap download, else none (the report says so).
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
    streets = commune_streets(code, streets_file)
    try:
        if alerts_file is None:
            report = quarterly_report_from_db(engine(), code, quarter, streets=streets, **options)  # type: ignore[arg-type]
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
                    streets=streets,
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


__all__ = ["Report", "commune_streets", "quarterly", "quarterly_download", "read_alert_records"]
