"""``voisinage report``: the quarterly report for the mairie–referents–gendarmerie meeting."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import pandas as pd
import typer

from cli._context import out, reports_errors, state
from cli._stats import require_commune
from gis import InputError
from settings import get_settings
from stats import ALERT_FIELDS, build_quarterly_report, render_html, render_pdf
from stats._roles import ROLES, normalise_role
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
        str, typer.Option("--role", help="Lecteur du rapport (les non-agents ne voient pas les petits effectifs).")
    ] = "mairie-admin",
    alerts_file: Annotated[
        Path | None,
        typer.Option(
            "--alerts", metavar="FICHIER", help="Alertes (CSV ou JSON lines), tant qu'elles ne sont pas en base."
        ),
    ] = None,
) -> None:
    """Produit le rapport trimestriel (carte de densité, indicateurs, comparaison SSMSI)."""
    suffix = out_file.suffix.lower()
    if suffix not in {".pdf", ".html", ".htm"}:
        raise InputError(f"--out : « {out_file.name} » doit finir par .pdf ou .html.")
    if normalise_role(role) not in ROLES:
        raise InputError(f"--role : « {role} » inconnu ; choisissez parmi {', '.join(sorted(ROLES))}.")
    alerts = read_alert_records(alerts_file) if alerts_file else pd.DataFrame(columns=list(ALERT_FIELDS))
    settings = get_settings()
    with transaction(state(ctx).engine()) as session:
        require_commune(session, commune)
        report = build_quarterly_report(
            session,
            commune,
            quarter,
            alerts=alerts,
            role=normalise_role(role),
            min_count=settings.stats_min_count,
            heat_min_count=settings.heat_min_count,
            cell_m=settings.heat_cell_m,
        )
    if suffix == ".pdf":
        render_pdf(report, out_file)
    else:
        out_file.parent.mkdir(parents=True, exist_ok=True)
        out_file.write_text(render_html(report), encoding="utf-8")
    out(f"Rapport {report.quarter} de {report.commune} écrit dans {out_file} ({report.alerts_in_quarter} alerte(s)).")
