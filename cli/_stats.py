"""``voisinage stats``: SSMSI crime figures (import, any commune beside its département), statistics exports."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cli._context import progress_bar, reports_errors
from cli._operator import operator
from cli._output import out, table

app = typer.Typer(help="Statistiques : chiffres de la délinquance (SSMSI) et indicateurs.", no_args_is_help=True)

AUDIENCE_HELP = (
    "Destinataire : resident, referent, mairie-agent, mairie-admin, gendarmerie, platform-admin "
    "(habitants et référents n'ont ni les petits effectifs ni le suivi du dispositif)."
)
SOURCE_OPTION = typer.Option(None, "--source", help="ssmsi ou reference (par défaut : toutes).")


@app.command("import")
@reports_errors(places="place")
def import_command(
    file: Annotated[
        Path, typer.Argument(help="Fichier CSV du SSMSI (base communale, départementale) ou tableau de référence.")
    ],
    only: Annotated[
        list[str] | None,
        typer.Option(
            "--only", metavar="CODE", help="Ne garder que ces codes (commune INSEE ou département) ; répétable."
        ),
    ] = None,
    place: Annotated[
        list[str] | None,
        typer.Option(
            "--lieu",
            metavar="NOM=CODE",
            help="Tableau de référence : code INSEE d'un lieu nommé dans les colonnes (ex. bouray_sur_juine=91095).",
        ),
    ] = None,
) -> None:
    """Importe un fichier SSMSI ; le format est reconnu à son en-tête. Réimporter ne duplique rien."""
    from gis import InputError
    from services import stats

    places: dict[str, str] = {}
    for item in place or []:
        if "=" not in item:
            raise InputError(f"--lieu attend NOM=CODE, reçu « {item} ».")
        name, code = item.split("=", 1)
        places[name.strip()] = code.strip()
    with progress_bar(unit=" lignes", desc="Import SSMSI") as bar:
        done = stats.import_ssmsi(operator(), file, only=only, places=places, progress=bar.update)
    out(done.summary)


@app.command("show")
@reports_errors
def show_command(
    commune: str = typer.Option(..., "--commune", metavar="CODE", help="Code INSEE (commune enregistrée ou non)."),
    year: int = typer.Option(..., "--year", metavar="AAAA", help="Année des chiffres."),
    source: str | None = SOURCE_OPTION,
) -> None:
    """Affiche les indicateurs d'une commune à côté de ceux de son département (toute commune importée)."""
    from services import stats

    for i, shown in enumerate(stats.show(operator(), commune, year, source)):
        if i:
            out("")
        out(shown.title)
        table(shown.headers, shown.rows)


@app.command("trend")
@reports_errors
def trend_command(
    commune: Annotated[str, typer.Option("--commune", metavar="CODE", help="Code INSEE (commune enregistrée ou non).")],
    source: str | None = SOURCE_OPTION,
) -> None:
    """Affiche l'évolution des taux d'une commune, année par année, à côté du département."""
    from services import stats

    for i, shown in enumerate(stats.trend(operator(), commune, source)):
        if i:
            out("")
        out(shown.title)
        table(shown.headers, shown.rows)


@app.command("export")
@reports_errors(audience="role")
def export_command(
    commune: Annotated[str, typer.Option("--commune", metavar="CODE", help="Code INSEE de la commune.")],
    out_path: Annotated[
        Path, typer.Option("--out", metavar="CHEMIN", help="Classeur .xlsx, ou dossier recevant un CSV par tableau.")
    ],
    year: Annotated[int | None, typer.Option("--year", metavar="AAAA", help="Année des indicateurs SSMSI.")] = None,
    role: Annotated[str, typer.Option("--role", help=AUDIENCE_HELP)] = "resident",
    quarter: Annotated[
        str | None,
        typer.Option("--quarter", metavar="AAAA-Qn", help="Alertes de ce trimestre (par défaut : l'année --year)."),
    ] = None,
    everything: Annotated[
        bool, typer.Option("--all-alerts", help="Toutes les alertes, quelle que soit leur date.")
    ] = False,
) -> None:
    """Exporte tous les tableaux statistiques (CSV ou Excel), selon les droits du destinataire.

    Indicateurs SSMSI de l'année --year ; chiffres d'alertes et suivi du dispositif lus dans la base, pour le
    trimestre --quarter, sinon l'année --year, sinon toutes les alertes.
    """
    from services import stats

    done = stats.export(operator(), commune, out_path, year=year, quarter=quarter, all_alerts=everything, audience=role)
    if out_path.suffix.lower() == ".xlsx":
        out(f"{done.tables} tableau(x) écrit(s) dans {out_path}.")
    else:
        out(f"{done.tables} fichier(s) CSV écrit(s) dans {out_path}.")
