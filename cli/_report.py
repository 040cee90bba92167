"""``voisinage report``: the quarterly report for the mairie–referents–gendarmerie meeting."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cli._context import reports_errors
from cli._operator import operator
from cli._output import out

app = typer.Typer(help="Rapports : rapport trimestriel de la commune.", no_args_is_help=True)


@app.command("quarterly")
@reports_errors(audience="role")
def quarterly(
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
    from services import reports

    report = reports.quarterly(
        operator(), commune, quarter, out_file, audience=role, shape=shape, alerts_file=alerts_file
    )
    out(
        f"Rapport {report.quarter} de {report.commune} écrit dans {report.path} ({report.alerts_in_quarter} alerte(s))."
    )
