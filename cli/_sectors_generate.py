"""``voisinage sectors generate``: a draft sector set cut along the streets, balanced in households.

The command is registered in :mod:`cli._sectors` (``app.command("generate")(generate)``).
"""

from __future__ import annotations

from pathlib import Path

import typer

from cli._context import progress_bar, reports_errors
from cli._operator import operator
from cli._output import note, row


def _highways(text: str | None) -> tuple[str, ...] | None:
    return None if not text else tuple(v.strip() for v in text.split(",") if v.strip())


@reports_errors
def generate(
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
    from services import sectors

    with progress_bar(total=100, desc="Génération", unit="%") as bar:

        def progress(step: str, fraction: float) -> None:
            bar.set_postfix_str(step)
            bar.update(max(0, round(10 + 85 * fraction) - bar.n))

        result = sectors.generate(
            operator(),
            commune,
            streets,
            addresses=addresses,
            n_sectors=n_sectors,
            households_per_sector=households,
            highways=_highways(highways),
            out_file=out_file,
            save=save,
            label=label,
            progress=progress,
        )
        bar.update(100 - bar.n)
    for warning in result.warnings:
        note(f"Attention : {warning}")
    if result.saved_version is not None:
        note(
            f"Version {result.saved_version} enregistrée en brouillon. Pour l'activer : "
            f"voisinage sectors activate --commune {result.insee} --version {result.saved_version}"
        )
    if result.written is not None:
        note(f"{len(result.sectors)} secteurs écrits dans {result.written}.")
    unit = {"adresses": "adresses", "bâtiments": "m² de bâtiments (OSM)"}.get(
        result.weight_kind, "m² (surface plafonnée)"
    )
    note(
        f"{result.commune_name} ({result.insee}) : {len(result.sectors)} secteurs sur {result.n_blocks} îlots ; "
        f"poids en {unit} ; écart max/min {result.balance:.2f}."
    )
    for s in result.sectors:
        row(s.code, s.name, f"{s.weight:g}", f"{s.referent_places} places de référent", f"{s.area_ha:.2f} ha")


__all__ = ["generate"]
