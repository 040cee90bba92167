"""``voisinage categories``: the commune's alert categories (the defaults, renamed or deactivated, and its own)."""

from __future__ import annotations

import typer

from cli._context import reports_errors_as
from cli._operator import operator
from cli._output import csv_rows, note

app = typer.Typer(help="Catégories d'alerte de la commune : ajouter, renommer, désactiver.", no_args_is_help=True)
COMMUNE = typer.Option(..., "--commune", metavar="CODE", help="Code INSEE de la commune.")
CODE = typer.Argument(..., metavar="CODE", help="Code de la catégorie (ex. : vol, nuisances-sonores).")
LABEL = typer.Option(..., "--label", help="Libellé montré aux habitants (80 caractères au plus).")
OPTIONS = {"commune": "--commune", "code": "CODE", "label": "--label", "family": "--family"}


@app.command("list")
@reports_errors_as(OPTIONS)
def list_command(commune: str = COMMUNE) -> None:
    """Liste les catégories, désactivées comprises (code;libellé;famille;active|désactivée;défaut|commune)."""
    from services import categories

    csv_rows(
        [
            (c.code, c.label, c.family, "active" if c.enabled else "désactivée", "commune" if c.own else "défaut")
            for c in categories.listing(operator(), commune)
        ],
        delimiter=";",
    )


@app.command("add")
@reports_errors_as(OPTIONS)
def add(
    code: str = CODE,
    commune: str = COMMUNE,
    label: str = LABEL,
    family: str = typer.Option(..., "--family", metavar="FAMILLE", help="securite ou solidarite."),
) -> None:
    """Ajoute une catégorie propre à la commune."""
    from services import categories

    categories.add(operator(), commune, code=code, label=label, family=family)
    note(f"Catégorie « {code} » ajoutée à la commune {commune}.")


@app.command("rename")
@reports_errors_as(OPTIONS)
def rename(code: str = CODE, commune: str = COMMUNE, label: str = LABEL) -> None:
    """Donne un nouveau libellé à une catégorie (les alertes déjà publiées prennent le nouveau)."""
    from services import categories

    categories.rename(operator(), commune, code, label)
    note(f"Catégorie « {code} » renommée.")


@app.command("disable")
@reports_errors_as(OPTIONS)
def disable(code: str = CODE, commune: str = COMMUNE) -> None:
    """Désactive une catégorie : plus aucune alerte ne s'y publie (les anciennes la gardent)."""
    from services import categories

    categories.set_enabled(operator(), commune, code, False)
    note(f"Catégorie « {code} » désactivée.")


@app.command("enable")
@reports_errors_as(OPTIONS)
def enable(code: str = CODE, commune: str = COMMUNE) -> None:
    """Réactive une catégorie désactivée."""
    from services import categories

    categories.set_enabled(operator(), commune, code, True)
    note(f"Catégorie « {code} » réactivée.")
