"""``voisinage commune``: register communes."""

from __future__ import annotations

from pathlib import Path

import typer

from cli._context import out, reports_errors, state
from sectors import list_communes, load_boundary, register_commune
from settings import get_settings
from store import transaction

app = typer.Typer(help="Communes : enregistrement avec leur contour.", no_args_is_help=True)


@app.command("add")
@reports_errors
def add(
    ctx: typer.Context,
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
    settings = get_settings()
    geom = load_boundary(boundary, insee, max_mb=settings.max_upload_mb, min_area_ratio=settings.repair_min_area_ratio)
    with transaction(state(ctx).engine()) as session:
        commune = register_commune(session, insee, name, geom)
        typer.echo(
            f"Commune {commune.insee} « {commune.name} » enregistrée : {commune.area_m2 / 1e6:.2f} km², "
            f"calculs métriques en EPSG:{commune.crs_epsg}.",
            err=True,
        )


@app.command("list")
@reports_errors
def list_(ctx: typer.Context) -> None:
    """Liste les communes enregistrées."""
    with transaction(state(ctx).engine()) as session:
        for commune in list_communes(session):
            out(f"{commune.insee}\t{commune.name}\t{commune.area_m2 / 1e6:.2f} km²\tEPSG:{commune.crs_epsg}")
