"""``voisinage db``: the database itself."""

from __future__ import annotations

import typer

from cli._context import reports_errors, state
from store import init_database

app = typer.Typer(help="Base de données : création et mise à jour du schéma.", no_args_is_help=True)


@app.command("init")
@reports_errors
def init(ctx: typer.Context) -> None:
    """Crée la base (ou la met à jour) : applique toutes les migrations.

    Sur PostgreSQL, les migrations tournent avec VOISINAGE_MIGRATION_DATABASE_URL (le propriétaire des tables),
    puis le rôle de connexion de l'application (celui de VOISINAGE_DATABASE_URL ou de --db) est créé s'il manque,
    sans superutilisateur ni BYPASSRLS, avec les seuls droits utiles et synchronous_commit = on.
    """
    report = init_database(state(ctx).db_url)
    if report.role_created:
        typer.echo(f"Rôle de l'application créé : {report.app_role}", err=True)
    for warning in report.warnings:
        typer.echo(f"Attention : {warning}", err=True)
    typer.echo(f"Base prête : {report.url}", err=True)
