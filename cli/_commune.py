"""``voisinage commune``: register communes."""

from __future__ import annotations

from pathlib import Path

import typer

from cli._context import reports_errors
from cli._operator import operator
from cli._output import note, row

app = typer.Typer(help="Communes : enregistrement avec leur contour.", no_args_is_help=True)


@app.command("add")
@reports_errors
def add(
    insee: str = typer.Option(..., "--insee", metavar="CODE", help="Code INSEE de la commune (5 caractères)."),
    name: str = typer.Option(..., "--name", metavar="NOM", help="Nom de la commune."),
    boundary: Path = typer.Option(
        ...,
        "--boundary",
        metavar="FICHIER",
        help="Contour : GeoJSON, GeoPackage ou Shapefile. S'il contient plusieurs communes, celle dont le champ "
        "code, ref:INSEE, insee ou INSEE_COM vaut CODE est retenue.",
    ),
) -> None:
    """Enregistre une commune et son contour."""
    from services import communes

    commune = communes.add_commune(operator(), insee, name, boundary)
    note(
        f"Commune {commune.insee} « {commune.name} » enregistrée : {commune.area_km2:.2f} km², "
        f"calculs métriques en EPSG:{commune.crs_epsg}."
    )


@app.command("list")
@reports_errors
def list_() -> None:
    """Liste les communes enregistrées (code INSEE, nom, surface, projection métrique)."""
    from services import communes

    for commune in communes.list_communes(operator()):
        row(commune.insee, commune.name, f"{commune.area_km2:.2f} km²", f"EPSG:{commune.crs_epsg}")
