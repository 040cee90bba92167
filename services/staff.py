"""What the staff pages ask before drawing: the actions the actor may take now, and a sector set to draw.

The permission matrix decides (``community.allowed``, which reads the commune's gendarmerie access): a
page of the gendarmerie disappears the moment the mairie closes its access.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from services._core import Actor, ServiceError, unit_of_work
from services.maps import MapSector

if TYPE_CHECKING:
    from services.sectors import Generation, ImportResult


EXPORT_FORMATS = {"geojson": "GeoJSON", "gpkg": "GeoPackage", "shp": "Shapefile (zip)"}
IMPORT_SUFFIXES = (".geojson", ".json", ".gpkg", ".zip")


@dataclass(frozen=True)
class Download:
    """A file to hand to the browser."""

    file_name: str
    data: bytes
    mime: str


@dataclass(frozen=True)
class SectorLayout:
    """One version of the commune's sector set, ready to draw (geometries in WGS84)."""

    version: int
    status: str  # draft, active, retired
    sectors: tuple[MapSector, ...]


def granted(actor: Actor | None, actions: Iterable[str]) -> frozenset[str]:
    """The actions among ``actions`` (``community.Action`` values) that ``actor`` may take in their commune now.

    Empty for a visitor or an account of no commune.
    """
    from community import Action, allowed

    if actor is None or actor.commune_id is None:
        return frozenset()
    wanted = [Action(a) for a in actions]
    with unit_of_work(actor.commune_id) as session:
        return frozenset(a.value for a in wanted if allowed(session, actor, a, commune_id=actor.commune_id))


def sector_layout(actor: Actor, insee: str, version: int | None = None) -> SectorLayout:
    """Version ``version`` of the commune's sectors (default: the active one, else the latest), to draw.

    The sector map is public to the commune's members, drafts included (as :func:`services.sectors.list_sets`).

    Raises
    ------
    ServiceError
        ``field="version"``: no such version, or no sector set at all.
    """
    from gis import InputError
    from sectors import get_set
    from services.communes import find

    with unit_of_work() as session:
        commune = find(session, insee)
        try:
            sset = get_set(session, commune, version)
        except InputError as exc:
            raise ServiceError(exc.message, field="version") from exc
        sectors = tuple(MapSector(s.code, s.name, s.geom) for s in sset.sectors)
        return SectorLayout(sset.version, sset.status.value, sectors)


def change_label(change: str) -> str:
    """A sector's change between the active set and the draft, in French (nouveau, supprimé, modifié...)."""
    from sectors._diff import CHANGE_LABELS, Change

    return CHANGE_LABELS[Change(change)]


def export_download(actor: Actor, insee: str, fmt: str, version: int | None = None) -> Download:
    """A version of the commune's sector set (default: the active one) as a file: GeoJSON, GeoPackage or a zip
    holding the Shapefile's files (every one a GIS needs: .shp, .shx, .dbf, .prj, .cpg)."""
    import tempfile
    import zipfile
    from io import BytesIO
    from pathlib import Path

    from services.sectors import export

    if fmt not in EXPORT_FORMATS:
        raise ServiceError(f"Format « {fmt} » inconnu : GeoJSON, GeoPackage ou Shapefile.", field="format")
    with tempfile.TemporaryDirectory(prefix="voisinage-export-") as folder:
        done = export(actor, insee, Path(folder) / f"secteurs-{insee}.{fmt}", version)
        stem = f"secteurs-{insee}-v{done.version}"
        if fmt != "shp":
            mime = "application/geo+json" if fmt == "geojson" else "application/geopackage+sqlite3"
            return Download(f"{stem}.{fmt}", done.path.read_bytes(), mime)
        buffer = BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for part in sorted(Path(folder).iterdir()):
                archive.write(part, f"{stem}{part.suffix}")
        return Download(f"{stem}.zip", buffer.getvalue(), "application/zip")


def import_upload(
    actor: Actor, insee: str, file_name: str, data: bytes, *, name_field: str | None = None, label: str = ""
) -> ImportResult:
    """Import an uploaded sector file (GeoJSON, GeoPackage, zipped Shapefile) as a new draft."""
    import tempfile
    from pathlib import Path

    from services.sectors import import_sectors

    suffix = Path(file_name).suffix.lower()
    if suffix not in IMPORT_SUFFIXES:
        raise ServiceError(
            f"Fichier « {file_name} » : donnez un GeoJSON, un GeoPackage ou un Shapefile zippé (.zip).", field="file"
        )
    with tempfile.TemporaryDirectory(prefix="voisinage-import-") as folder:
        path = Path(folder) / f"secteurs{suffix}"
        path.write_bytes(data)
        return import_sectors(actor, insee, path, name_field=name_field or None, label=label)


# Street files the generator reads (``.osm.pbf`` ends with ``.pbf``).
STREET_SUFFIXES = (".osm", ".pbf", ".geojson", ".json")


def generate_draft(
    actor: Actor,
    insee: str,
    *,
    streets: tuple[str, bytes] | None = None,
    n_sectors: int | None = None,
    households_per_sector: float | None = None,
    addresses: tuple[str, bytes] | None = None,
    progress: Callable[[str, float], None] | None = None,
) -> Generation:
    """Generate a draft from the streets and store it (the page « Secteurs »; ``voisinage sectors generate``).

    ``streets``: an uploaded file (name, bytes: ``.osm``, ``.osm.pbf`` or Overpass GeoJSON); None: the streets
    file of the settings (``VOISINAGE_MAP_STREETS_FILE``) when there is one, else OpenStreetMap (downloaded
    once, then cached). ``addresses``: an uploaded BAN CSV (needed to count households per sector).
    ``progress`` is called with (step, fraction done).
    """
    import tempfile
    from pathlib import Path

    from services._config import settings
    from services.sectors import ONLINE_STREETS, generate

    with tempfile.TemporaryDirectory(prefix="voisinage-generate-") as folder:
        if streets is not None:
            name, data = streets
            if not name.lower().endswith(STREET_SUFFIXES):
                raise ServiceError(
                    f"Fichier « {name} » : donnez les rues en .osm, .osm.pbf ou GeoJSON d'Overpass.", field="streets"
                )
            suffix = ".osm.pbf" if name.lower().endswith(".pbf") else Path(name).suffix.lower()
            source = str(Path(folder) / f"rues{suffix}")
            Path(source).write_bytes(data)
        else:
            source = settings().map_streets_file or ONLINE_STREETS
        ban = None
        if addresses is not None:
            ban = Path(folder) / "adresses.csv"
            ban.write_bytes(addresses[1])
        return generate(
            actor,
            insee,
            source,
            addresses=ban,
            n_sectors=n_sectors,
            households_per_sector=households_per_sector,
            save=True,
            progress=progress,
        )


__all__ = [
    "EXPORT_FORMATS",
    "IMPORT_SUFFIXES",
    "Download",
    "SectorLayout",
    "change_label",
    "export_download",
    "generate_draft",
    "granted",
    "import_upload",
    "sector_layout",
]
