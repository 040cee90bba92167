"""``voisinage audit``: the audit log's integrity."""

from __future__ import annotations

import typer

from cli._context import fail, out, reports_errors, state
from cli._operator import operator

app = typer.Typer(help="Journal d'audit : vérification de son intégrité.", no_args_is_help=True)


@app.command("verify")
@reports_errors
def verify(
    ctx: typer.Context,
    commune: str | None = typer.Option(
        None, "--commune", metavar="CODE", help="Code INSEE : ne vérifier que la chaîne de cette commune."
    ),
) -> None:
    """Vérifie la chaîne d'empreintes du journal d'audit (base SQLite) ; code de sortie 2 à la première ligne
    altérée (modifiée, supprimée, remplacée ou insérée hors de l'application)."""
    from services.audit import verify_audit_log

    check = verify_audit_log(operator(), commune, url=state(ctx).db_url)
    if not check.chained:
        typer.echo(
            "PostgreSQL : le journal d'audit est protégé par les droits du rôle de l'application (ajout et lecture "
            "seulement) ; il n'a pas de chaîne d'empreintes à vérifier.",
            err=True,
        )
        return
    if check.broken is not None:
        raise fail(f"journal d'audit altéré, {check.broken}.")
    for where, rows, last in check.heads:
        out(f"{where}\t{rows}\t{last}")
    typer.echo(f"Journal d'audit intact : {check.rows} ligne(s) vérifiée(s).", err=True)
