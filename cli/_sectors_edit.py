"""``voisinage sectors split|merge|draw|reshape|rename|delete|move-block|check|diff``: editing the draft.

Each edit calls :mod:`services.sector_edits`, which makes or updates the commune's working draft (never the
active set); the draft's version is printed on stdout, the explanation on stderr. :func:`attach` adds the
commands to the ``sectors`` group.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from cli._context import out, reports_errors
from cli._operator import operator
from cli._output import note, row

if TYPE_CHECKING:
    from services.sector_edits import EditResult

COMMUNE = typer.Option(..., "--commune", metavar="CODE", help="Code INSEE de la commune.")
SECTOR = typer.Option(..., "--sector", metavar="CODE", help="Code du secteur (ex. S003).")


def _geojson(value: str) -> str:
    """GeoJSON given inline, or the path of a .geojson / .json file holding it."""
    text = value.strip()
    if not text.startswith(("{", "[")):
        path = Path(text)
        if path.suffix.lower() in (".geojson", ".json") and path.is_file():
            return path.read_text(encoding="utf-8")
    return text


def _report(result: EditResult, what: str) -> None:
    parts = [f"{what} dans le brouillon (version {result.version})."]
    if result.created:
        parts.append(f"Nouveau(x) secteur(s) : {', '.join(result.created)}.")
    if result.removed:
        parts.append(f"Secteur(s) retiré(s) : {', '.join(result.removed)}.")
    note(" ".join(parts))
    out(str(result.version))


@reports_errors
def split(
    commune: str = COMMUNE,
    sector: str = SECTOR,
    line: str = typer.Option(
        ..., "--line", metavar="GEOJSON", help="Ligne de coupe : LineString GeoJSON (lon/lat), ou fichier .geojson."
    ),
    name: str | None = typer.Option(None, "--name", help="Nom du nouveau secteur (défaut : « <nom> (2) »)."),
) -> None:
    """Coupe un secteur en deux le long d'une ligne (la plus grande part garde le code) ; affiche la version."""
    from services.sector_edits import split_sector

    result = split_sector(operator(), commune, sector, _geojson(line), new_name=name)
    _report(result, f"Secteur {sector} coupé")


@reports_errors
def merge(
    first: str = typer.Argument(..., metavar="S1", help="Code du premier secteur."),
    second: str = typer.Argument(..., metavar="S2", help="Code du second secteur (voisin du premier)."),
    commune: str = COMMUNE,
) -> None:
    """Fusionne deux secteurs voisins (le plus grand garde son code et son nom) ; affiche la version."""
    from services.sector_edits import merge_sectors

    result = merge_sectors(operator(), commune, first, second)
    _report(result, f"Secteurs {first} et {second} fusionnés")


@reports_errors
def draw(
    commune: str = COMMUNE,
    geometry: str = typer.Option(
        ..., "--geometry", metavar="GEOJSON", help="Contour : Polygon GeoJSON (lon/lat), ou fichier .geojson."
    ),
    name: str = typer.Option(..., "--name", help="Nom du secteur."),
    referents: int = typer.Option(2, "--referents", help="Places de référents (1 à 10)."),
) -> None:
    """Ajoute un secteur dessiné au brouillon (nouveau code) ; affiche la version."""
    from services.sector_edits import draw_sector

    result = draw_sector(operator(), commune, _geojson(geometry), name, referents=referents)
    _report(result, f"Secteur « {name} » ajouté")


@reports_errors
def reshape(
    commune: str = COMMUNE,
    sector: str = SECTOR,
    geometry: str = typer.Option(
        ..., "--geometry", metavar="GEOJSON", help="Nouveau contour : Polygon GeoJSON (lon/lat), ou fichier .geojson."
    ),
) -> None:
    """Remplace le contour d'un secteur du brouillon (sommets modifiés) ; affiche la version."""
    from services.sector_edits import reshape_sector

    result = reshape_sector(operator(), commune, sector, _geojson(geometry))
    _report(result, f"Contour du secteur {sector} remplacé")


@reports_errors
def rename(
    commune: str = COMMUNE,
    sector: str = SECTOR,
    name: str | None = typer.Option(None, "--name", help="Nouveau nom."),
    referents: int | None = typer.Option(None, "--referents", help="Places de référents (1 à 10)."),
) -> None:
    """Renomme un secteur du brouillon ou change ses places de référents ; affiche la version."""
    from services.sector_edits import rename_sector

    result = rename_sector(operator(), commune, sector, name=name, referents=referents)
    _report(result, f"Secteur {sector} modifié")


@reports_errors
def delete(commune: str = COMMUNE, sector: str = SECTOR) -> None:
    """Retire un secteur du brouillon (sa surface devient un trou à couvrir) ; affiche la version."""
    from services.sector_edits import delete_sector

    result = delete_sector(operator(), commune, sector)
    _report(result, f"Secteur {sector} retiré")


@reports_errors
def move_block(
    commune: str = COMMUNE,
    to: str = typer.Option(..., "--to", metavar="CODE", help="Secteur voisin qui reçoit l'îlot."),
    block: str | None = typer.Option(None, "--block", metavar="GEOJSON", help="L'îlot : Polygon GeoJSON (lon/lat)."),
    at: tuple[float, float] | None = typer.Option(
        None, "--at", metavar="LON LAT", help="Un point dans l'îlot (l'îlot est pris entre les rues)."
    ),
    streets: Path | None = typer.Option(
        None, "--streets", metavar="FICHIER", help="Rues (.osm, .osm.pbf, .geojson) ; défaut : le cache OSM."
    ),
) -> None:
    """Passe un îlot à un secteur voisin ; affiche la version."""
    from services.sector_edits import move_block as move

    result = move(
        operator(),
        commune,
        to,
        block=_geojson(block) if block is not None else None,
        at=at,
        streets=streets,
    )
    _report(result, f"Îlot passé au secteur {to}")


@reports_errors
def check(
    commune: str = COMMUNE,
    version: int | None = typer.Option(None, "--version", help="Version à vérifier (défaut : le brouillon)."),
) -> None:
    """Liste les problèmes du brouillon (chevauchements, trous, débordements…) et comment les corriger.

    Code de sortie : 0 activable ; 1 un problème empêche l'activation.
    """
    from services.sector_edits import validate

    result = validate(operator(), commune, version=version)
    for p in result.problems:
        where = ", ".join(p.codes) or "-"
        row("BLOQUANT" if p.blocking else "attention", p.label, where, p.message, p.fix)
    verdict = "peut être activée" if result.can_activate else "ne peut pas être activée"
    note(f"Version {result.version} : {len(result.problems)} problème(s) ; elle {verdict}.")
    if not result.can_activate:
        raise typer.Exit(1)


@reports_errors
def diff(
    commune: str = COMMUNE,
    version: int | None = typer.Option(None, "--version", help="Version à comparer (défaut : le brouillon)."),
) -> None:
    """Compare le brouillon au découpage actif : surfaces, foyers, membres qui changeraient de secteur."""
    from sectors._diff import CHANGE_LABELS
    from services.sector_edits import diff as compare

    result = compare(operator(), commune, version=version)

    def ha(m2: float | None) -> str:
        return "-" if m2 is None else f"{m2 / 10_000:.2f} ha"

    def n(v: int | None) -> str:
        return "-" if v is None else str(v)

    against = f"la version active {result.active_version}" if result.active_version else "aucune version active"
    note(f"Version {result.draft_version} comparée à {against}.")
    for s in result.sectors:
        row(
            s.code,
            CHANGE_LABELS[s.change],
            s.name_after or s.name_before,
            f"{ha(s.area_before_m2)} -> {ha(s.area_after_m2)}",
            f"{n(s.households_before)} -> {n(s.households_after)} foyers",
        )
    if not result.households_known:
        note("Foyers inconnus : aucune adresse BAN importée pour cette commune.")
    for m in result.moved_members:
        row(f"membre {m.member_id}", f"{m.code_before or '-'} -> {m.code_after or 'hors secteur'}")
    note(f"{len(result.moved_members)} membre(s) changerai(en)t de secteur.")


def attach(app: typer.Typer) -> None:
    """Add the draft-editing commands to the ``sectors`` group."""
    app.command("split")(split)
    app.command("merge")(merge)
    app.command("draw")(draw)
    app.command("reshape")(reshape)
    app.command("rename")(rename)
    app.command("delete")(delete)
    app.command("move-block")(move_block)
    app.command("check")(check)
    app.command("diff")(diff)


__all__ = ["attach"]
