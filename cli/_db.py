"""``voisinage db``: the database itself."""

from __future__ import annotations

import typer

from cli._context import reports_errors
from cli._output import note

app = typer.Typer(help="Base de données : création et mise à jour du schéma.", no_args_is_help=True)


@app.command("init")
@reports_errors
def init() -> None:
    """Crée la base (ou la met à jour) : applique toutes les migrations."""
    from services import database

    note(f"Base prête : {database.init()}")
