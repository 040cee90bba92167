"""``voisinage db``: the database itself."""

from __future__ import annotations

import typer

from cli._context import reports_errors
from cli._output import note

app = typer.Typer(help="Base de données : création et mise à jour du schéma.", no_args_is_help=True)


@app.command("init")
@reports_errors
def init() -> None:
    """Crée la base (ou la met à jour) : applique toutes les migrations.

    Sur PostgreSQL, les migrations tournent avec VOISINAGE_MIGRATION_DATABASE_URL (le propriétaire des tables),
    puis le rôle de connexion de l'application (celui de VOISINAGE_DATABASE_URL ou de --db) est créé s'il manque,
    sans superutilisateur ni BYPASSRLS, avec les seuls droits utiles et synchronous_commit = on.
    """
    from services import database

    report = database.init()
    if report.role_created:
        note(f"Rôle de l'application créé : {report.app_role}")
    for warning in report.warnings:
        note(f"Attention : {warning}")
    note(f"Base prête : {report.url}")
