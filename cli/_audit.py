"""``voisinage audit``: the audit log's integrity."""

from __future__ import annotations

import typer

from cli._context import fail, reports_errors
from cli._operator import operator
from cli._output import note, row

app = typer.Typer(help="Journal d'audit : vérification de son intégrité.", no_args_is_help=True)


@app.command("verify")
@reports_errors
def verify(
    commune: str | None = typer.Option(
        None, "--commune", metavar="CODE", help="Code INSEE : ne vérifier que la chaîne de cette commune."
    ),
) -> None:
    """Vérifie la chaîne d'empreintes du journal d'audit (base SQLite) ; code de sortie 2 à la première ligne
    altérée (modifiée, supprimée, remplacée ou insérée hors de l'application). Affiche, par commune, le nombre
    de lignes et la dernière empreinte : notez-les ailleurs pour pouvoir les comparer plus tard."""
    from services.audit import verify_audit_log

    check = verify_audit_log(operator(), commune)
    if not check.chained:
        note(
            "PostgreSQL : le journal d'audit est protégé par les droits du rôle de l'application (ajout et lecture "
            "seulement) ; il n'a pas de chaîne d'empreintes à vérifier."
        )
        return
    if check.broken is not None:
        raise fail(f"journal d'audit altéré, {check.broken}.")
    for where, rows, last in check.heads:
        row(where, rows, last)
    note(f"Journal d'audit intact : {check.rows} ligne(s) vérifiée(s).")
