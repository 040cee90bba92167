"""``voisinage charter``: the commune's charter, versioned (members accept the latest version)."""

from __future__ import annotations

from pathlib import Path

import typer

from cli._context import out, reports_errors, state
from cli._operator import operator
from community import current_charter, get_commune, publish_charter
from gis import InputError
from store import transaction

app = typer.Typer(help="Charte de la commune (versionnée : une nouvelle version est à accepter).", no_args_is_help=True)
COMMUNE = typer.Option(..., "--commune", metavar="CODE", help="Code INSEE de la commune.")
FILE = typer.Argument(..., help="Fichier texte (UTF-8) de la charte.")


@app.command("publish")
@reports_errors
def publish(ctx: typer.Context, file: Path = FILE, commune: str = COMMUNE) -> None:
    """Publie une nouvelle version de la charte : chaque membre devra l'accepter à nouveau."""
    try:
        body = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"Impossible de lire la charte {file} : enregistrez-la en texte UTF-8 ({exc}).") from exc
    with transaction(state(ctx).engine()) as session:
        found = get_commune(session, commune)
        charter = publish_charter(session, operator(), found.id, body)
    typer.echo(f"Charte de {found.name} publiée : version {charter.version}.", err=True)


@app.command("show")
@reports_errors
def show(ctx: typer.Context, commune: str = COMMUNE) -> None:
    """Affiche la version en vigueur de la charte (première ligne : « version N »)."""
    with transaction(state(ctx).engine()) as session:
        found = get_commune(session, commune)
        charter = current_charter(session, found.id)
        if charter is None:
            raise InputError(f"La commune de {found.name} n'a pas encore de charte : voisinage charter publish.")
        out(f"version {charter.version}")
        out(charter.text)
