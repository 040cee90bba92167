"""Sector sets: import, generate (then save), activate, list, export; locate points in the active set.

The sector map of a commune is public (residents see it on the app's map): listing, exporting and locating
need no right; changing it (import, save a generated draft, activate) needs ``EDIT_SECTORS`` on the commune.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from services._core import Actor, ServiceError, unit_of_work
from services.communes import find

if TYPE_CHECKING:
    import geopandas as gpd
    from sqlalchemy.orm import Session

    from sectors import Locator
    from store.schema import Commune, SectorSet

STATUS_LABELS = {"draft": "brouillon", "active": "actif", "retired": "retiré"}
ONLINE_STREETS = "osm"
VECTOR_SUFFIXES = (".geojson", ".json", ".gpkg", ".shp")

Progress = Callable[[str, float], None]


@dataclass(frozen=True)
class SectorInfo:
    """One sector of a set."""

    code: str
    name: str
    area_ha: float
    referent_places: int


@dataclass(frozen=True)
class SectorSetInfo:
    """One version of a commune's sector set (``sectors`` filled when asked for)."""

    insee: str
    version: int
    status: str  # draft, active, retired
    label: str
    created_at: str  # "YYYY-MM-DD HH:MM", UTC
    n_sectors: int
    sectors: tuple[SectorInfo, ...] = ()

    @property
    def status_label(self) -> str:
        """The status in French (brouillon, actif, retiré)."""
        return STATUS_LABELS[self.status]


@dataclass(frozen=True)
class ImportResult:
    """What an import stored, and what it repaired or noticed."""

    sector_set: SectorSetInfo
    repaired: tuple[str, ...]
    summary: str


@dataclass(frozen=True)
class Listing:
    """Every version of a commune's sector set, and the sectors of one of them."""

    sets: tuple[SectorSetInfo, ...]
    shown: SectorSetInfo


@dataclass(frozen=True)
class GeneratedSector:
    """One sector of a generated draft."""

    code: str
    name: str
    weight: float
    referent_places: int
    area_ha: float


@dataclass(frozen=True)
class Generation:
    """A generated draft: its sectors, how they were weighted, and where it went (file, saved version)."""

    insee: str
    commune_name: str
    sectors: tuple[GeneratedSector, ...]
    n_blocks: int
    weight_kind: str  # "adresses", "bâtiments" or "surface plafonnée"
    balance: float
    warnings: tuple[str, ...]
    written: Path | None = None
    saved_version: int | None = None


@dataclass(frozen=True)
class Located:
    """The sector a point falls in."""

    code: str
    name: str


@dataclass(frozen=True)
class LocatedRow:
    """One row of a batch: the coordinates as written in the file, and the sector's name ('' outside)."""

    lon: str
    lat: str
    sector: str


@dataclass(frozen=True)
class Exported:
    """A sector set written to a file."""

    path: Path
    version: int
    n_sectors: int


def _info(sset: SectorSet, *, with_sectors: bool = False) -> SectorSetInfo:
    sectors = (
        tuple(SectorInfo(s.code, s.name, s.area_m2 / 10_000, s.referent_places) for s in sset.sectors)
        if with_sectors
        else ()
    )
    return SectorSetInfo(
        insee=sset.commune.insee,
        version=sset.version,
        status=sset.status.value,
        label=sset.label,
        created_at=f"{sset.created_at:%Y-%m-%d %H:%M}",
        n_sectors=len(sset.sectors),
        sectors=sectors,
    )


def _require_editor(session: Session, actor: Actor, commune: Commune) -> None:
    from community import Action, authorize

    authorize(session, actor, Action.EDIT_SECTORS, commune_id=commune.id)


def _as_service_error(exc: Exception, default_field: str) -> ServiceError:
    from gis import InputError

    assert isinstance(exc, InputError)
    return ServiceError(exc.message, exc.problems, field=exc.field or default_field)


def import_sectors(
    actor: Actor,
    insee: str,
    file: Path,
    *,
    name_field: str | None = None,
    label: str = "",
    activate: bool = False,
) -> ImportResult:
    """Import a sector file (GeoJSON, GeoPackage, Shapefile) as a new version, a draft unless ``activate``.

    Raises
    ------
    ServiceError
        ``field="file"`` for an unreadable file or sectors breaking the rules (every problem listed),
        ``"commune"``, ``"name_field"``.
    """
    from community import record
    from gis import InputError, read_vector_file
    from sectors import import_sector_set
    from services._config import sector_rules, settings

    try:
        gdf = read_vector_file(file, max_mb=settings().max_upload_mb, keep_missing=True)
    except InputError as exc:
        raise _as_service_error(exc, "file") from exc
    with unit_of_work() as session:
        commune = find(session, insee)
        _require_editor(session, actor, commune)
        try:
            outcome = import_sector_set(
                session,
                commune,
                gdf,
                name_field=name_field,
                label=label,
                source=file.name,
                activate=activate,
                rules=sector_rules(),
            )
        except InputError as exc:
            raise _as_service_error(exc, "name_field" if "champ" in exc.message else "file") from exc
        sset = outcome.sector_set
        record(session, actor, "created", "sector_set", sset.version, commune_id=commune.id, activated=activate)
        return ImportResult(_info(sset), tuple(outcome.repaired), outcome.report.summary())


def activate(actor: Actor, insee: str, version: int) -> SectorSetInfo:
    """Make ``version`` the commune's active sector set; the active one until now is retired."""
    from community import record
    from sectors import activate_set, get_set
    from services._config import sector_rules

    with unit_of_work() as session:
        commune = find(session, insee)
        _require_editor(session, actor, commune)
        sset = activate_set(session, get_set(session, commune, version), rules=sector_rules())
        record(session, actor, "changed", "sector_set", sset.version, commune_id=commune.id, status="active")
        return _info(sset)


def list_sets(actor: Actor, insee: str, version: int | None = None) -> Listing:
    """Every version of the commune's sector set, and the sectors of ``version`` (default: the active one)."""
    from sectors import get_set, sets_of

    with unit_of_work() as session:
        commune = find(session, insee)
        sets = tuple(_info(s) for s in sets_of(session, commune))
        shown = _info(get_set(session, commune, version), with_sectors=True)
        return Listing(sets, shown)


def _check_output(out_file: Path) -> None:
    if out_file.suffix.lower() not in VECTOR_SUFFIXES:
        raise ServiceError(
            f"Extension de sortie non reconnue : « {out_file.suffix or '(aucune)'} ». "
            "Utilisez .geojson, .gpkg ou .shp.",
            field="out",
        )


def export(actor: Actor, insee: str, out_file: Path, version: int | None = None) -> Exported:
    """Write a version of the commune's sector set (default: the active one) to ``out_file``."""
    from gis import write_vector_file
    from sectors import get_set, to_geodataframe

    _check_output(out_file)
    with unit_of_work() as session:
        sset = get_set(session, find(session, insee), version)
        gdf, number = to_geodataframe(sset), sset.version
    return Exported(write_vector_file(gdf, out_file), number, len(gdf))


def _as_output(sectors: gpd.GeoDataFrame, epsg: int) -> gpd.GeoDataFrame:
    """Generated sectors in EPSG:4326 with the French column names the import and export use."""
    import geopandas as gpd

    from gis import transform_geom

    return gpd.GeoDataFrame(
        {
            "code": sectors["code"].to_list(),
            "nom": sectors["name"].to_list(),
            "referents": sectors["referents"].to_list(),
            "poids": [round(float(w), 1) for w in sectors["weight"]],
            "ilots": sectors["blocks"].to_list(),
            "surface_m2": [round(float(a), 1) for a in sectors["area_m2"]],
        },
        geometry=[transform_geom(g, epsg, 4326) for g in sectors.geometry],
        crs=4326,
    )


def generate(
    actor: Actor,
    insee: str,
    streets: str,
    *,
    addresses: Path | None = None,
    n_sectors: int | None = None,
    households_per_sector: float | None = None,
    highways: tuple[str, ...] | None = None,
    out_file: Path | None = None,
    save: bool = False,
    label: str = "",
    progress: Progress | None = None,
) -> Generation:
    """Cut the commune into sectors along its streets, balanced in households; write and/or save the draft.

    Parameters
    ----------
    streets
        An OSM file (.osm, .osm.pbf, Overpass .geojson), or ``"osm"`` to download them (cached).
    addresses
        A BAN CSV: households are counted by address; without it a block weighs its area, capped.
    n_sectors, households_per_sector
        Exactly one of them.
    highways
        OSM ``highway`` classes bounding the blocks (default: the drivable ones).
    out_file
        Write the draft there (.geojson, .gpkg, .shp).
    save
        Store it as a new draft version (needs ``EDIT_SECTORS``).
    progress
        Called with (step, fraction done).
    """
    from community import record
    from gis import (
        DRIVABLE_HIGHWAYS,
        OsmnxStreetSource,
        load_osm_features,
        load_streets,
        read_address_points,
        to_metric,
    )
    from sectors import generate_sectors, import_sector_set
    from services._config import sector_rules, settings, streets_cache_dir

    if (n_sectors is None) == (households_per_sector is None):
        raise ServiceError(
            "Indiquez soit un nombre de secteurs, soit un nombre de foyers par secteur (un des deux).",
            field="sectors",
        )
    if households_per_sector is not None and addresses is None:
        raise ServiceError(
            "Le nombre de foyers par secteur se compte sur les adresses : donnez le fichier d'adresses BAN, ou "
            "choisissez un nombre de secteurs.",
            field="addresses",
        )
    if highways is not None and not highways:
        raise ServiceError(
            "La liste des classes de voies est vide : donnez des classes OSM (ex. primary,residential).",
            field="highways",
        )
    if out_file is not None:
        _check_output(out_file)
    with unit_of_work() as session:
        commune = find(session, insee)
        if save:
            _require_editor(session, actor, commune)
        name, epsg, boundary = commune.name, commune.crs_epsg, commune.boundary
        insee = commune.insee
    online = streets.strip().lower() == ONLINE_STREETS
    source = OsmnxStreetSource(streets_cache_dir()) if online else Path(streets)
    street_frame = load_streets(source, boundary, epsg, cache_key=insee, max_mb=settings().max_streets_mb)
    # Places name sectors without named streets; buildings weigh blocks when there is no BAN file.
    features = load_osm_features(source, boundary, epsg, cache_key=insee)
    points = read_address_points(addresses) if addresses is not None else None
    if progress is not None:
        progress("îlots", 0.0)
    result = generate_sectors(
        street_frame,
        to_metric(boundary, epsg),
        n_sectors=n_sectors,
        households_per_sector=households_per_sector,
        address_lonlat=points,
        highways=highways or DRIVABLE_HIGHWAYS,
        places=features.places,
        buildings=features.buildings,
        progress=progress,
    )
    output = _as_output(result.sectors, epsg)
    saved = None
    if save:
        with unit_of_work() as session:
            commune = find(session, insee)
            outcome = import_sector_set(
                session,
                commune,
                # Codes are left to the store: it keeps the codes of same-named sectors of earlier versions.
                output.drop(columns=["code"]),
                label=label or f"Découpage généré ({len(output)} secteurs)",
                source=f"généré : rues {Path(streets).name}" + (f", adresses {addresses.name}" if addresses else ""),
                activate=False,
                rules=sector_rules(),
            )
            saved = outcome.sector_set.version
            record(session, actor, "created", "sector_set", saved, commune_id=commune.id, generated=True)
    written = None
    if out_file is not None:
        from gis import write_vector_file

        written = write_vector_file(output, out_file)
    rows = tuple(
        GeneratedSector(r.code, r.nom, float(r.poids), int(r.referents), float(r.surface_m2) / 10_000)
        for r in output.itertuples(index=False)
    )
    return Generation(
        insee=insee,
        commune_name=name,
        sectors=rows,
        n_blocks=len(result.blocks),
        weight_kind=result.weight_kind,
        balance=float(result.balance),
        warnings=tuple(result.warnings),
        written=written,
        saved_version=saved,
    )


def _active_locator(insee: str) -> Locator:
    """The process-wide locator of the commune's active set (a clear error when there is none)."""
    from sectors import get_set, locator
    from services._config import settings
    from services._core import engine

    with unit_of_work() as session:
        commune = find(session, insee)
        get_set(session, commune)  # a clear error when the commune has no sector set at all
        code = commune.insee
    s = settings()
    loc = locator(engine(), code, cells_per_sector=s.lookup_cells_per_sector, cache_seconds=s.lookup_cache_seconds)
    if loc.active_set_id() is None:
        raise ServiceError(
            f"La commune {code} n'a pas de découpage actif : activez-en une version.",
            field="commune",
        )
    return loc


def _check_point(lon: float, lat: float) -> None:
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise ServiceError(
            f"Coordonnées hors limites : {lon} {lat}. Attendu : longitude puis latitude, en degrés.", field="point"
        )


def locate_point(actor: Actor, insee: str, lon: float, lat: float) -> Located | None:
    """The sector of the commune's active set covering (lon, lat) in WGS84 degrees, or None (public)."""
    _check_point(lon, lat)
    loc = _active_locator(insee)
    hit = loc.locate(lon, lat)
    return Located(hit.code, hit.name) if hit is not None else None


def locate_file(actor: Actor, insee: str, csv_file: Path) -> list[LocatedRow]:
    """The sector of each point of a CSV with ``lon,lat`` columns (public).

    Raises
    ------
    ServiceError
        ``field="csv"``: unreadable file, missing columns, rows without valid coordinates (listed).
    """
    from sectors import read_points
    from services._config import settings

    try:
        frame, lons, lats = read_points(csv_file, max_mb=settings().max_upload_mb)
    except ServiceError as exc:
        raise ServiceError(exc.message, exc.problems, field="csv") from exc
    loc = _active_locator(insee)
    ids = loc.locate_many(lons, lats)
    rows = []
    for x, y, sid in zip(frame["lon"], frame["lat"], ids, strict=True):
        hit = loc.hit(sid) if sid >= 0 else None
        rows.append(LocatedRow(str(x), str(y), hit.name if hit else ""))
    return rows


__all__ = [
    "STATUS_LABELS",
    "Exported",
    "GeneratedSector",
    "Generation",
    "ImportResult",
    "Listing",
    "Located",
    "LocatedRow",
    "SectorInfo",
    "SectorSetInfo",
    "activate",
    "export",
    "generate",
    "import_sectors",
    "list_sets",
    "locate_file",
    "locate_point",
]
