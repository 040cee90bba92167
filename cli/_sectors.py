"""``voisinage sectors``: import, list, activate, export sector sets, and locate points."""

from __future__ import annotations

from pathlib import Path

import typer

from cli._context import reports_errors
from cli._operator import operator
from cli._output import csv_rows, note, out, row
from cli._sectors_generate import generate

app = typer.Typer(
    help="Secteurs : découpages versionnés d'une commune, recherche du secteur d'un point.", no_args_is_help=True
)

COMMUNE_OPTION = typer.Option(..., "--commune", metavar="CODE", help="Code INSEE de la commune.")


@app.command("import")
@reports_errors
def import_(
    file: Path = typer.Argument(..., metavar="FICHIER", help="Secteurs : GeoJSON, GeoPackage ou Shapefile."),
    commune: str = COMMUNE_OPTION,
    name_field: str | None = typer.Option(
        None, "--name-field", metavar="CHAMP", help="Champ portant le nom des secteurs (sinon nom/name/secteur…)."
    ),
    label: str = typer.Option("", "--label", help="Libellé de cette version du découpage."),
    activate: bool = typer.Option(False, "--activate", help="Active le découpage importé (l'actuel est retiré)."),
) -> None:
    """Importe un découpage en secteurs (nouvelle version, en brouillon sauf --activate)."""
    from services import sectors

    result = sectors.import_sectors(operator(), commune, file, name_field=name_field, label=label, activate=activate)
    sset = result.sector_set
    note(f"Version {sset.version} importée ({sset.status_label}) : {sset.n_sectors} secteurs.")
    if result.repaired:
        note(f"Géométries réparées : {', '.join(result.repaired)}.")
    note(result.summary)
    if not activate:
        note(f"Pour l'activer : voisinage sectors activate --commune {sset.insee} --version {sset.version}")


@app.command("activate")
@reports_errors
def activate(
    commune: str = COMMUNE_OPTION,
    version: int = typer.Option(..., "--version", help="Version du découpage à activer."),
) -> None:
    """Active une version du découpage ; la version active jusque-là est retirée."""
    from services import sectors

    sset = sectors.activate(operator(), commune, version)
    note(f"Version {sset.version} active ({sset.n_sectors} secteurs).")


@app.command("list")
@reports_errors
def list_(
    commune: str = COMMUNE_OPTION,
    version: int | None = typer.Option(None, "--version", help="Version à détailler (défaut : l'active)."),
) -> None:
    """Liste les versions du découpage et les secteurs de l'une d'elles (nom, surface, places de référent)."""
    from services import sectors

    listing = sectors.list_sets(operator(), commune, version)
    for sset in listing.sets:
        row(f"Version {sset.version}", sset.status_label, f"{sset.n_sectors} secteurs", sset.label, sset.created_at)
    shown = listing.shown
    out("")
    out(f"Secteurs de la version {shown.version} ({shown.status_label}) :")
    for sector in shown.sectors:
        row(sector.code, sector.name, f"{sector.area_ha:.2f} ha", f"{sector.referent_places} places de référent")


@app.command("export")
@reports_errors
def export(
    commune: str = COMMUNE_OPTION,
    out_file: Path = typer.Option(..., "--out", metavar="FICHIER", help="Fichier de sortie : .geojson, .gpkg ou .shp."),
    version: int | None = typer.Option(None, "--version", help="Version à exporter (défaut : l'active)."),
) -> None:
    """Exporte un découpage (format choisi par l'extension)."""
    from services import sectors

    done = sectors.export(operator(), commune, out_file, version)
    note(f"{done.n_sectors} secteurs (version {done.version}) écrits dans {done.path}.")


@app.command("locate", context_settings={"ignore_unknown_options": True})
@reports_errors
def locate(
    commune: str = COMMUNE_OPTION,
    lon: float | None = typer.Argument(None, help="Longitude (degrés WGS84)."),
    lat: float | None = typer.Argument(None, help="Latitude (degrés WGS84)."),
    csv_file: Path | None = typer.Option(
        None, "--csv", metavar="FICHIER", help="CSV à colonnes lon,lat : écrit lon,lat,sector sur la sortie."
    ),
) -> None:
    """Donne le secteur (découpage actif) d'un point, ou de chaque point d'un CSV.

    Code de sortie : 0 trouvé ; 1 point hors de tout secteur ; 2 entrée invalide.
    Une longitude négative s'écrit telle quelle : voisinage sectors locate --commune 29019 -4.48 48.39
    """
    from gis import InputError
    from services import sectors

    if csv_file is not None:
        if lon is not None or lat is not None:
            raise InputError("Donnez soit LON LAT, soit --csv FICHIER, pas les deux.")
        located = sectors.locate_file(operator(), commune, csv_file)
        csv_rows([("lon", "lat", "sector"), *((r.lon, r.lat, r.sector) for r in located)])
        return
    if lon is None or lat is None:
        raise InputError("Donnez la longitude et la latitude (ex. 2.2995 48.5207), ou --csv FICHIER.")
    hit = sectors.locate_point(operator(), commune, lon, lat)
    if hit is None:
        note(f"Le point ({lon}, {lat}) n'est dans aucun secteur de la commune {commune.strip().upper()}.")
        raise typer.Exit(1)
    out(hit.name)


app.command("generate")(generate)
