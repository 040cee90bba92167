"""``voisinage stats``: SSMSI crime figures (import, commune beside its département)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from sqlalchemy.orm import Session

from cli._context import out, progress_bar, reports_errors, state
from gis import InputError
from sectors import get_commune
from settings import get_settings
from stats import (
    HEADERS,
    WITHHELD,
    as_role,
    commune_trend,
    commune_views,
    fr_number,
    fr_rate,
    import_ssmsi,
    parse_quarter,
    tables_from_db,
    text_table,
    view_rows,
    write_csv,
    write_excel,
)
from store import transaction
from store.schema import Commune

app = typer.Typer(help="Statistiques : chiffres de la délinquance (SSMSI) et indicateurs.", no_args_is_help=True)


def require_commune(session: Session, insee: str) -> Commune:
    """The registered commune of code ``insee`` (French error saying how to register it otherwise)."""
    return get_commune(session, insee)


def reader_role(role: str) -> str:
    """The ``--role`` value as a :class:`community.Role` value (French error naming the option)."""
    try:
        return as_role(role).value
    except InputError as exc:
        raise InputError(f"--role : {exc}") from exc


@app.command("import")
@reports_errors
def import_command(
    ctx: typer.Context,
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
    places: dict[str, str] = {}
    for item in place or []:
        if "=" not in item:
            raise InputError(f"--lieu attend NOM=CODE, reçu « {item} ».")
        name, code = item.split("=", 1)
        places[name.strip()] = code.strip()
    engine = state(ctx).engine()
    with progress_bar(unit=" lignes", desc="Import SSMSI") as bar, transaction(engine) as session:
        summary = import_ssmsi(session, file, only_codes=only or None, places=places, progress=bar.update)
    out(summary.describe())


@app.command("show")
@reports_errors
def show_command(
    ctx: typer.Context,
    commune: str = typer.Option(..., "--commune", metavar="CODE", help="Code INSEE de la commune."),
    year: int = typer.Option(..., "--year", metavar="AAAA", help="Année des chiffres."),
    source: str | None = typer.Option(None, "--source", help="ssmsi ou reference (par défaut : toutes)."),
) -> None:
    """Affiche les indicateurs de la commune à côté de ceux de son département."""
    if source not in (None, "ssmsi", "reference"):
        raise InputError(f"--source : « {source} » inconnu ; choisissez ssmsi ou reference.")
    with transaction(state(ctx).engine()) as session:
        require_commune(session, commune)
        views = commune_views(session, commune, year, source)
    for i, view in enumerate(views):
        if i:
            out("")
        out(view.title)
        out(text_table(HEADERS, view_rows(view)))


@app.command("export")
@reports_errors
def export_command(
    ctx: typer.Context,
    commune: Annotated[str, typer.Option("--commune", metavar="CODE", help="Code INSEE de la commune.")],
    out_path: Annotated[
        Path, typer.Option("--out", metavar="CHEMIN", help="Classeur .xlsx, ou dossier recevant un CSV par tableau.")
    ],
    year: Annotated[int | None, typer.Option("--year", metavar="AAAA", help="Année des indicateurs SSMSI.")] = None,
    role: Annotated[
        str,
        typer.Option(
            "--role",
            help="Destinataire : resident, referent, mairie-agent, mairie-admin, gendarmerie, platform-admin "
            "(habitants et référents n'ont ni les petits effectifs ni le suivi du dispositif).",
        ),
    ] = ("resident"),
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
    reader = reader_role(role)
    if quarter is not None and everything:
        raise InputError("--quarter et --all-alerts s'excluent : choisissez l'un ou l'autre.")
    start = end = None
    if quarter is not None:
        start, end = parse_quarter(quarter)
    elif year is not None and not everything:
        start = pd.Timestamp(year=year, month=1, day=1, tz="Europe/Paris")
        end = pd.Timestamp(year=year + 1, month=1, day=1, tz="Europe/Paris")
    engine = state(ctx).engine()
    with transaction(engine) as session:
        require_commune(session, commune)
    tables = tables_from_db(
        engine,
        commune,
        role=reader,
        min_count=get_settings().stats_min_count,
        year=year if year is not None else (start.year if start is not None else None),
        start=start,
        end=end,
    )
    if out_path.suffix.lower() == ".xlsx":
        write_excel(tables, out_path)
        out(f"{len(tables.tables)} tableau(x) écrit(s) dans {out_path}.")
    else:
        paths = write_csv(tables, out_path)
        out(f"{len(paths)} fichier(s) CSV écrit(s) dans {out_path}.")


@app.command("trend")
@reports_errors
def trend_command(
    ctx: typer.Context,
    commune: Annotated[str, typer.Option("--commune", metavar="CODE", help="Code INSEE de la commune.")],
) -> None:
    """Affiche l'évolution des taux SSMSI de la commune, année par année, à côté du département."""
    with transaction(state(ctx).engine()) as session:
        require_commune(session, commune)
        trend = commune_trend(session, commune)
    if trend.empty:
        raise InputError(f"Aucun chiffre SSMSI pour la commune {commune} : importez d'abord un fichier SSMSI.")
    rows = []
    for rec in trend.itertuples(index=False):
        rate = fr_rate(rec.rate) if rec.published else WITHHELD
        dep = fr_rate(rec.dep_rate) if pd.notna(rec.dep_rate) else "—"
        change = fr_number(rec.rate_change, 2) if pd.notna(rec.rate_change) else "—"
        rows.append([rec.label, str(rec.year), rate, change, dep])
    out(text_table(["Indicateur", "Année", "Taux", "Évolution", "Taux département"], rows))
