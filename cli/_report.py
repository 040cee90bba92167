"""``voisinage report``: the quarterly report for the mairie–referents–gendarmerie meeting."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import pandas as pd
import typer

from cli._context import out, reports_errors, state
from cli._stats import reader_role, require_commune
from gis import InputError
from settings import get_settings
from stats import (
    ALERT_FIELDS,
    build_quarterly_report,
    check_reader,
    load_records,
    parse_quarter,
    quarterly_report_from_db,
    render_html,
    render_pdf,
)
from store import transaction

app = typer.Typer(help="Rapports : rapport trimestriel de la commune.", no_args_is_help=True)


def read_alert_records(path: Path) -> pd.DataFrame:
    """Alert records from a CSV (``;`` or ``,``) or JSON-lines file with the fields of ``stats.ALERT_FIELDS``."""
    if not path.is_file():
        raise InputError(f"Fichier d'alertes introuvable : {path}.")
    try:
        if path.suffix.lower() in {".jsonl", ".ndjson", ".json"}:
            frame = pd.read_json(path, lines=path.suffix.lower() != ".json")
        else:
            frame = pd.read_csv(path, sep=None, engine="python")
    except ValueError as exc:
        raise InputError(f"Fichier d'alertes illisible : {path.name} ({exc}).") from exc
    missing = [f for f in ALERT_FIELDS if f not in frame.columns]
    if missing:
        raise InputError(f"Fichier d'alertes {path.name} : colonnes manquantes {', '.join(missing)}.")
    return frame


@app.command("quarterly")
@reports_errors
def quarterly(
    ctx: typer.Context,
    commune: Annotated[str, typer.Option("--commune", metavar="CODE", help="Code INSEE de la commune.")],
    quarter: Annotated[str, typer.Option("--quarter", metavar="AAAA-Qn", help="Trimestre, ex. 2026-Q3 (ou 2026-T3).")],
    out_file: Annotated[Path, typer.Option("--out", metavar="FICHIER", help="Fichier produit : .pdf ou .html.")],
    role: Annotated[
        str,
        typer.Option(
            "--role",
            help="Lecteur du rapport : resident, referent, mairie-agent, mairie-admin, gendarmerie, platform-admin "
            "(habitants et référents ne voient pas les petits effectifs ni le suivi du dispositif).",
        ),
    ] = "mairie-admin",
    shape: Annotated[str, typer.Option("--shape", help="Cellules de la carte : square ou hex.")] = "square",
    alerts_file: Annotated[
        Path | None,
        typer.Option(
            "--alerts",
            metavar="FICHIER",
            help="Alertes lues dans ce fichier (CSV ou JSON lines) au lieu de la base (par défaut : la base).",
        ),
    ] = None,
) -> None:
    """Produit le rapport trimestriel (carte de densité, indicateurs, suivi, comparaison SSMSI).

    Les alertes, secteurs et membres sont lus dans la base de données.
    """
    suffix = out_file.suffix.lower()
    if suffix not in {".pdf", ".html", ".htm"}:
        raise InputError(f"--out : « {out_file.name} » doit finir par .pdf ou .html.")
    reader = reader_role(role)
    if shape not in ("square", "hex"):
        raise InputError(f"--shape : « {shape} » inconnu ; choisissez square ou hex.")
    settings = get_settings()
    engine = state(ctx).engine()
    options = {
        "role": reader,
        "min_count": settings.stats_min_count,
        "heat_min_count": settings.heat_min_count,
        "cell_m": settings.heat_cell_m,
        "heat_shape": shape,
    }
    if alerts_file is None:
        with transaction(engine) as session:
            require_commune(session, commune)
        report = quarterly_report_from_db(engine, commune, quarter, **options)  # type: ignore[arg-type]
    else:
        # Alerts from the file; sectors (with households) and members still from the database.
        alerts = read_alert_records(alerts_file)
        with transaction(engine) as session:
            require_commune(session, commune)
        records = load_records(engine, commune, *parse_quarter(quarter))
        check_reader(records, reader)
        with transaction(engine) as session:
            report = build_quarterly_report(
                session,
                commune,
                quarter,
                alerts=alerts,
                sectors=records.sectors,
                members=records.members,
                notes=[n for n in records.notes if "anonymisée" not in n],
                **options,  # type: ignore[arg-type]
            )
    if suffix == ".pdf":
        render_pdf(report, out_file)
    else:
        out_file.parent.mkdir(parents=True, exist_ok=True)
        out_file.write_text(render_html(report), encoding="utf-8")
    out(f"Rapport {report.quarter} de {report.commune} écrit dans {out_file} ({report.alerts_in_quarter} alerte(s)).")
