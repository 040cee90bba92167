"""``voisinage gendarmerie``: the gendarmerie's access to a commune (closed by default)."""

from __future__ import annotations

import typer

from cli._context import out, reports_errors, state
from cli._operator import operator
from community import gendarmerie_access_history, gendarmerie_access_open, get_commune, record, set_gendarmerie_access
from store import transaction

app = typer.Typer(help="Accès de la gendarmerie aux alertes d'une commune.", no_args_is_help=True)
COMMUNE = typer.Option(..., "--commune", metavar="CODE", help="Code INSEE de la commune.")
REASON = typer.Option("", "--reason", help="Motif (gardé dans l'historique).")


def _set(ctx: typer.Context, commune: str, is_open: bool, reason: str) -> None:
    with transaction(state(ctx).engine()) as session:
        found = get_commune(session, commune)
        changed = set_gendarmerie_access(session, operator(), found, is_open, reason=reason)
    word = "ouvert" if is_open else "fermé"
    if changed:
        typer.echo(f"Accès de la gendarmerie {word} pour {found.name}.", err=True)
    else:
        typer.echo(f"L'accès de la gendarmerie était déjà {word} pour {found.name} : rien n'a changé.", err=True)


@app.command("open")
@reports_errors
def open_access(ctx: typer.Context, commune: str = COMMUNE, reason: str = REASON) -> None:
    """Ouvre l'accès de la gendarmerie aux alertes de la commune."""
    _set(ctx, commune, True, reason)


@app.command("close")
@reports_errors
def close_access(ctx: typer.Context, commune: str = COMMUNE, reason: str = REASON) -> None:
    """Ferme l'accès de la gendarmerie aux alertes de la commune."""
    _set(ctx, commune, False, reason)


@app.command("status")
@reports_errors
def status(ctx: typer.Context, commune: str = COMMUNE) -> None:
    """Affiche l'état de l'accès et son historique (date;ouvert|fermé;par)."""
    with transaction(state(ctx).engine()) as session:
        found = get_commune(session, commune)
        record(session, operator(), "viewed", "gendarmerie_access", found.id, commune_id=found.id)
        out("ouvert" if gendarmerie_access_open(session, found.id) else "fermé")
        for change in gendarmerie_access_history(session, found.id):
            by = change.changed_by_id if change.changed_by_id is not None else "opérateur"
            out(f"{change.changed_at.isoformat()};{'ouvert' if change.is_open else 'fermé'};{by}")
