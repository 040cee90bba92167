"""``voisinage db``: the database itself."""

from __future__ import annotations

import typer

from cli._context import reports_errors, state
from store import upgrade

app = typer.Typer(help="Base de données : création et mise à jour du schéma.", no_args_is_help=True)


@app.command("init")
@reports_errors
def init(ctx: typer.Context) -> None:
    """Crée la base (ou la met à jour) : applique toutes les migrations."""
    engine = state(ctx).engine()
    upgrade(engine)
    typer.echo(f"Base prête : {engine.url.render_as_string(hide_password=True)}", err=True)
