"""``voisinage gendarmerie``: the gendarmerie's access to a commune (closed by default)."""

from __future__ import annotations

import typer

from cli._context import out, reports_errors_as
from cli._operator import operator
from cli._output import csv_rows, note

app = typer.Typer(help="Accès de la gendarmerie aux alertes d'une commune.", no_args_is_help=True)
COMMUNE = typer.Option(..., "--commune", metavar="CODE", help="Code INSEE de la commune.")
REASON = typer.Option("", "--reason", help="Motif (gardé dans l'historique).")
OPTIONS = {"commune": "--commune", "reason": "--reason"}


def _say(commune: str, is_open: bool, changed: bool) -> None:
    word = "ouvert" if is_open else "fermé"
    if changed:
        note(f"Accès de la gendarmerie {word} pour la commune {commune}.")
    else:
        note(f"L'accès de la gendarmerie était déjà {word} pour la commune {commune} : rien n'a changé.")


@app.command("open")
@reports_errors_as(OPTIONS)
def open_access(commune: str = COMMUNE, reason: str = REASON) -> None:
    """Ouvre l'accès de la gendarmerie aux alertes de la commune."""
    from services import gendarmerie

    _say(commune, True, gendarmerie.open_access(operator(), commune, reason=reason))


@app.command("close")
@reports_errors_as(OPTIONS)
def close_access(commune: str = COMMUNE, reason: str = REASON) -> None:
    """Ferme l'accès de la gendarmerie aux alertes de la commune."""
    from services import gendarmerie

    _say(commune, False, gendarmerie.close_access(operator(), commune, reason=reason))


@app.command("status")
@reports_errors_as(OPTIONS)
def status(commune: str = COMMUNE) -> None:
    """Affiche l'état de l'accès et son historique (date;ouvert|fermé;par)."""
    from services import gendarmerie

    access = gendarmerie.history(operator(), commune)
    out("ouvert" if access.is_open else "fermé")
    for change in access.changes:
        by = change.by_member_id if change.by_member_id is not None else "opérateur"
        csv_rows([(change.at.isoformat(), "ouvert" if change.is_open else "fermé", by)], delimiter=";")
