"""``voisinage sectors generate``: a draft sector set cut along the streets, balanced in households.

The command is registered in :mod:`cli._sectors` (``app.command("generate")(generate)``); it stays in its own
module because it is the only one that reads street and address files.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import typer

from cli._context import out, progress_bar, reports_errors, state
from gis import (
    DRIVABLE_HIGHWAYS,
    InputError,
    OsmnxStreetSource,
    load_streets,
    read_address_points,
    to_metric,
    transform_geom,
    write_vector_file,
)
from sectors import SectorRules, generate_sectors, get_commune, import_sector_set
from settings import PROJECT_ROOT, get_settings
from store import transaction

ONLINE = "osm"
OUT_SUFFIXES = (".geojson", ".json", ".gpkg", ".shp")


def _cache_dir() -> Path:
    path = Path(get_settings().streets_cache_dir)
    return path if path.is_absolute() else PROJECT_ROOT / path


def _highways(text: str | None) -> tuple[str, ...]:
    if not text:
        return DRIVABLE_HIGHWAYS
    values = tuple(v.strip() for v in text.split(",") if v.strip())
    if not values:
        raise InputError(
            "--highways est vide : donnez des classes OSM séparées par des virgules (ex. primary,residential)."
        )
    return values


def _as_output(result_sectors: gpd.GeoDataFrame, epsg: int) -> gpd.GeoDataFrame:
    """The generated sectors in EPSG:4326 with the French column names the import and export use."""
    geoms = [transform_geom(g, epsg, 4326) for g in result_sectors.geometry]
    return gpd.GeoDataFrame(
        {
            "code": result_sectors["code"].to_list(),
            "nom": result_sectors["name"].to_list(),
            "referents": result_sectors["referents"].to_list(),
            "poids": [round(float(w), 1) for w in result_sectors["weight"]],
            "ilots": result_sectors["blocks"].to_list(),
            "surface_m2": [round(float(a), 1) for a in result_sectors["area_m2"]],
        },
        geometry=geoms,
        crs=4326,
    )


@reports_errors
def generate(
    ctx: typer.Context,
    commune: str = typer.Option(..., "--commune", metavar="CODE", help="Code INSEE de la commune (enregistrée)."),
    streets: str = typer.Option(
        ...,
        "--streets",
        metavar="FICHIER",
        help="Rues OpenStreetMap : .osm, .osm.pbf ou export Overpass .geojson ; « osm » pour les télécharger "
        "(osmnx, mis en cache dans VOISINAGE_STREETS_CACHE_DIR).",
    ),
    addresses: Path | None = typer.Option(
        None,
        "--addresses",
        metavar="BAN.csv",
        help="Adresses de la Base Adresse Nationale (CSV « ; ») : les foyers sont comptés par adresse. Sans ce "
        "fichier, le poids d'un îlot est sa surface plafonnée à la surface médiane des îlots.",
    ),
    n_sectors: int | None = typer.Option(None, "--sectors", metavar="N", help="Nombre de secteurs voulu."),
    households: float | None = typer.Option(
        None, "--households-per-sector", metavar="H", help="Foyers (adresses) par secteur ; demande --addresses."
    ),
    out_file: Path | None = typer.Option(
        None, "--out", metavar="FICHIER", help="Écrit les secteurs dans ce fichier (.geojson, .gpkg ou .shp)."
    ),
    save: bool = typer.Option(
        False, "--save", help="Enregistre le découpage comme nouvelle version, en brouillon (à relire puis activer)."
    ),
    label: str = typer.Option("", "--label", help="Libellé de la version enregistrée avec --save."),
    highways: str | None = typer.Option(
        None,
        "--highways",
        metavar="CLASSES",
        help="Classes OSM « highway » qui bordent les îlots, séparées par des virgules "
        "(défaut : motorway … living_street, sans les voies de service ni les chemins).",
    ),
) -> None:
    """Propose un découpage en secteurs le long des rues, équilibré en foyers (brouillon).

    Les îlots sont délimités par les rues carrossables, les voies ferrées, les rivières et la limite
    communale ; ils sont regroupés en secteurs d'un seul tenant, de poids voisins, nommés d'après leurs
    rues principales. Sans --out ni --save, le découpage est seulement affiché.
    """
    if (n_sectors is None) == (households is None):
        raise InputError("Indiquez soit --sectors N, soit --households-per-sector H (un des deux).")
    if households is not None and addresses is None:
        raise InputError(
            "--households-per-sector compte les foyers par les adresses : ajoutez --addresses BAN.csv, "
            "ou choisissez un nombre de secteurs avec --sectors."
        )
    if out_file is not None and out_file.suffix.lower() not in OUT_SUFFIXES:
        raise InputError(
            f"Extension de sortie non reconnue : « {out_file.suffix or '(aucune)'} ». Utilisez .geojson, .gpkg ou .shp."
        )
    settings = get_settings()
    engine = state(ctx).engine()
    with transaction(engine) as session:
        com = get_commune(session, commune)
        insee, name, epsg, boundary = com.insee, com.name, com.crs_epsg, com.boundary
    with progress_bar(total=100, desc="Génération", unit="%") as bar:

        def progress(step: str, fraction: float) -> None:
            bar.set_postfix_str(step)
            bar.update(max(0, round(10 + 85 * fraction) - bar.n))

        bar.set_postfix_str("rues")
        source = OsmnxStreetSource(_cache_dir()) if streets.strip().lower() == ONLINE else Path(streets)
        street_frame = load_streets(source, boundary, epsg, cache_key=insee, max_mb=settings.max_streets_mb)
        points = read_address_points(addresses) if addresses is not None else None
        bar.update(10)
        result = generate_sectors(
            street_frame,
            to_metric(boundary, epsg),
            n_sectors=n_sectors,
            households_per_sector=households,
            address_lonlat=points,
            highways=_highways(highways),
            progress=progress,
        )
        bar.update(100 - bar.n)
    output = _as_output(result.sectors, epsg)
    for note in result.warnings:
        typer.echo(f"Attention : {note}", err=True)
    if save:
        rules = SectorRules(settings.within_tolerance_m, settings.overlap_tolerance_m2, settings.repair_min_area_ratio)
        with transaction(engine) as session:
            outcome = import_sector_set(
                session,
                get_commune(session, insee),
                # Codes are left to the store: it keeps the codes of same-named sectors of earlier versions.
                output.drop(columns=["code"]),
                label=label or f"Découpage généré ({len(output)} secteurs)",
                source=f"généré : rues {Path(streets).name}" + (f", adresses {addresses.name}" if addresses else ""),
                activate=False,
                rules=rules,
            )
            version = outcome.sector_set.version
        typer.echo(
            f"Version {version} enregistrée en brouillon. Pour l'activer : "
            f"voisinage sectors activate --commune {insee} --version {version}",
            err=True,
        )
    if out_file is not None:
        written = write_vector_file(output, out_file)
        typer.echo(f"{len(output)} secteurs écrits dans {written}.", err=True)
    unit = "adresses" if result.weight_kind == "adresses" else "m² (surface plafonnée)"
    typer.echo(
        f"{name} ({insee}) : {len(output)} secteurs sur {len(result.blocks)} îlots ; poids en {unit} ; "
        f"écart max/min {result.balance:.2f}.",
        err=True,
    )
    for row in output.itertuples(index=False):
        out(f"{row.code}\t{row.nom}\t{row.poids:g}\t{row.referents} référents\t{row.surface_m2 / 10_000:.2f} ha")


__all__ = ["generate"]
