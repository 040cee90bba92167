"""``voisinage referents``: naming referents, and the places of referent still free."""

from __future__ import annotations

import typer

from cli._context import reports_errors_as
from cli._operator import operator
from cli._output import csv_rows, note

app = typer.Typer(help="Référents de secteur (nommés par la mairie, 2 à 3 places par secteur).", no_args_is_help=True)
COMMUNE = typer.Option(..., "--commune", metavar="CODE", help="Code INSEE de la commune.")
SECTOR = typer.Option(..., "--sector", metavar="NOM", help="Nom ou code du secteur.")
EMAIL = typer.Argument(..., metavar="EMAIL", help="E-mail du membre.")
OPTIONS = {"commune": "--commune", "sector": "--sector", "email": "EMAIL"}


@app.command("assign")
@reports_errors_as(OPTIONS)
def assign(email: str = EMAIL, commune: str = COMMUNE, sector: str = SECTOR) -> None:
    """Nomme un membre vérifié référent d'un secteur (dans la limite des places de référent du secteur)."""
    from services import referents

    named = referents.assign(operator(), commune, email, sector)
    note(f"{email} est référent du secteur {', '.join(named.referent_sectors)}.")


@app.command("remove")
@reports_errors_as(OPTIONS)
def remove(email: str = EMAIL, commune: str = COMMUNE, sector: str = SECTOR) -> None:
    """Retire un référent de son secteur."""
    from services import referents

    referents.end(operator(), commune, email, sector)
    note(f"{email} n'est plus référent de ce secteur.")


@app.command("list")
@reports_errors_as(OPTIONS)
def list_sectors(commune: str = COMMUNE) -> None:
    """Liste les secteurs : « code;nom;référents;places », puis ceux qui n'ont aucun référent."""
    from services import referents

    staffing = referents.places(operator(), commune)
    rows = [(s.code, s.name, s.referents, s.places) for s in staffing]
    csv_rows([("code", "nom", "référents", "places"), *rows], delimiter=";")
    empty = [s.name for s in staffing if s.referents == 0]
    note(f"Secteurs sans référent : {', '.join(empty) if empty else 'aucun'}.")
