"""Editing a commune's sectors on a draft (never the active set), its validation and its difference to the active set.

Every edit takes the actor first and the commune's INSEE code, is authorised by ``EDIT_SECTORS``, makes or
updates the working draft and returns an :class:`EditResult` whose ``version`` is the draft's. Geometries
come in as GeoJSON (text or mapping, WGS84 longitude/latitude) and go out as GeoJSON mappings.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from services._core import Actor, ServiceError, unit_of_work

if TYPE_CHECKING:
    from shapely.geometry.base import BaseGeometry
    from sqlalchemy.orm import Session

    from sectors._diff import MovedMember, SectorChange
    from store.schema import Commune, SectorSet

GeoJSON = str | Mapping[str, Any]


@dataclass(frozen=True)
class EditResult:
    """The draft an edit made or updated, and the sector codes it created, changed and removed."""

    version: int
    created: tuple[str, ...]
    changed: tuple[str, ...]
    removed: tuple[str, ...]


@dataclass(frozen=True)
class Problem:
    """One problem of a layout, to draw in red (``geometry``: GeoJSON mapping, WGS84) and list with its fix."""

    kind: str
    label: str
    codes: tuple[str, ...]
    geometry: dict[str, Any]
    area_m2: float
    message: str
    fix: str
    blocking: bool


@dataclass(frozen=True)
class Validation:
    """Every problem of one version; ``can_activate`` when none of them blocks activation."""

    version: int
    problems: tuple[Problem, ...]

    @property
    def can_activate(self) -> bool:
        return not any(p.blocking for p in self.problems)


@dataclass(frozen=True)
class DraftDiff:
    """The draft against the active set: per sector (by code), and the members who would change sector.

    ``households_known`` is false when no BAN address of the commune is imported (households are then ``None``).
    """

    active_version: int | None
    draft_version: int
    sectors: tuple[SectorChange, ...]
    moved_members: tuple[MovedMember, ...]
    households_known: bool


def parse_geojson(value: GeoJSON, field: str, what: str) -> BaseGeometry:
    """A shapely geometry from GeoJSON text or mapping (a geometry, a Feature, or a collection of one feature)."""
    import shapely.geometry

    try:
        data = json.loads(value) if isinstance(value, str) else dict(value)
    except (json.JSONDecodeError, TypeError, ValueError) as exc:
        raise ServiceError(f"{what} n'est pas du GeoJSON lisible ({exc}).", field=field) from exc
    if isinstance(data, dict) and data.get("type") == "FeatureCollection":
        features = data.get("features") or []
        if len(features) != 1:
            raise ServiceError(f"{what} : donnez un seul objet GeoJSON (reçu : {len(features)}).", field=field)
        data = features[0]
    if isinstance(data, dict) and data.get("type") == "Feature":
        data = data.get("geometry") or {}
    try:
        geom = shapely.geometry.shape(data)
    except (AttributeError, KeyError, TypeError, ValueError, IndexError) as exc:
        raise ServiceError(f"{what} n'est pas une géométrie GeoJSON valide ({exc}).", field=field) from exc
    coords = shapely.get_coordinates(geom)
    if len(coords) and ((abs(coords[:, 0]) > 180).any() or (abs(coords[:, 1]) > 90).any()):
        raise ServiceError(
            f"{what} : coordonnées hors limites. Attendu : longitude puis latitude en degrés (WGS84).", field=field
        )
    return geom


def _commune_for(session: Session, actor: Actor, insee: str) -> Commune:
    from community._permissions import Action, require
    from sectors import get_commune
    from store import bind_commune

    try:
        commune = get_commune(session, insee)
    except ServiceError as exc:
        raise ServiceError(exc.message, exc.problems, field="commune") from exc
    require(actor, Action.EDIT_SECTORS, commune_id=commune.id)
    bind_commune(session, commune.id)
    return commune


def _result(outcome: Any) -> EditResult:
    return EditResult(outcome.version, outcome.created, outcome.changed, outcome.removed)


def draw_sector(actor: Actor, commune: str, geometry: GeoJSON, name: str, *, referents: int = 2) -> EditResult:
    """Add a drawn sector (GeoJSON polygon) to the draft; it gets a new code."""
    from sectors import _drafts

    geom = parse_geojson(geometry, "geometry", "Le secteur dessiné")
    with unit_of_work() as session:
        return _result(_drafts.draw(session, _commune_for(session, actor, commune), geom, name, referents=referents))


def reshape_sector(actor: Actor, commune: str, code: str, geometry: GeoJSON) -> EditResult:
    """Replace the outline of sector ``code`` in the draft (its vertices were edited)."""
    from sectors import _drafts

    geom = parse_geojson(geometry, "geometry", "Le nouveau contour")
    with unit_of_work() as session:
        return _result(_drafts.reshape(session, _commune_for(session, actor, commune), code, geom))


def rename_sector(
    actor: Actor,
    commune: str,
    code: str,
    *,
    name: str | None = None,
    referents: int | None = None,
) -> EditResult:
    """Rename sector ``code`` and/or change its referent places in the draft."""
    from sectors import _drafts

    with unit_of_work() as session:
        com = _commune_for(session, actor, commune)
        return _result(_drafts.rename(session, com, code, name, referents))


def delete_sector(actor: Actor, commune: str, code: str) -> EditResult:
    """Remove sector ``code`` from the draft."""
    from sectors import _drafts

    with unit_of_work() as session:
        return _result(_drafts.delete(session, _commune_for(session, actor, commune), code))


def split_sector(actor: Actor, commune: str, code: str, line: GeoJSON, *, new_name: str | None = None) -> EditResult:
    """Cut sector ``code`` along a drawn line (GeoJSON LineString) in two.

    The part keeping the most area keeps the code; the other gets a new code (``created``).
    """
    from sectors import _drafts

    geom = parse_geojson(line, "line", "La ligne de coupe")
    with unit_of_work() as session:
        com = _commune_for(session, actor, commune)
        return _result(_drafts.split(session, com, code, geom, new_name=new_name))


def merge_sectors(actor: Actor, commune: str, first: str, second: str) -> EditResult:
    """Merge two neighbouring sectors of the draft (the larger keeps its code and name)."""
    from sectors import _drafts

    with unit_of_work() as session:
        return _result(_drafts.merge(session, _commune_for(session, actor, commune), first, second))


def move_block(
    actor: Actor,
    commune: str,
    to: str,
    *,
    block: GeoJSON | None = None,
    at: tuple[float, float] | None = None,
    streets: Path | None = None,
) -> EditResult:
    """Move one street block to the neighbouring sector ``to``.

    The block is either given (``block``, a GeoJSON polygon), or the enclosure between the streets holding
    the point ``at`` (longitude, latitude): streets from the ``streets`` file, else from the commune's
    cached OpenStreetMap download.
    """
    from sectors import _drafts

    if (block is None) == (at is None):
        raise ServiceError("Donnez soit l'îlot (un polygone), soit un point dans l'îlot, pas les deux.", field="block")
    given = parse_geojson(block, "block", "L'îlot") if block is not None else None
    with unit_of_work() as session:
        com = _commune_for(session, actor, commune)
        if given is None:
            assert at is not None
            given = _block_at(com, at, streets)
        return _result(_drafts.move_block(session, com, given, to))


def _block_at(commune: Commune, at: tuple[float, float], streets: Path | None) -> BaseGeometry:
    """The street block (WGS84) holding the point ``at``, from the streets file or the cached download."""
    import numpy as np
    import shapely

    from gis import OsmnxStreetSource, build_blocks, load_streets, to_metric, transform_geom
    from sectors._edits import pick_block
    from services._config import settings, streets_cache_dir

    if streets is None:
        cached = OsmnxStreetSource(streets_cache_dir()).cache_path(commune.insee)
        if not cached.is_file():
            raise ServiceError(
                "Les rues de la commune ne sont pas en cache : donnez le fichier des rues, ou dessinez l'îlot.",
                field="streets",
            )
        streets = cached
    frame = load_streets(streets, _shape(commune.boundary), commune.crs_epsg, max_mb=settings().max_streets_mb)
    blocks = build_blocks(frame, _shape(to_metric(commune.boundary, commune.crs_epsg)))
    lon, lat = at
    point = _shape(to_metric(shapely.Point(lon, lat), commune.crs_epsg))
    found = pick_block(np.asarray(blocks.geometry.array), point)
    return _shape(transform_geom(found, commune.crs_epsg, 4326))


def _shape(geom: object) -> BaseGeometry:
    """The stubs type stored and projected geometries as ``BaseGeometry``; they are shapely shapes."""
    return cast("BaseGeometry", geom)


def _to_geojson(geom: BaseGeometry, epsg: int) -> dict[str, Any]:
    import shapely.geometry

    from gis import transform_geom

    return dict(shapely.geometry.mapping(_shape(transform_geom(geom, epsg, 4326))))


def crossed_sector(line: GeoJSON, outlines: Mapping[str, BaseGeometry]) -> str | None:
    """The code of the sector that a drawn line crosses over the longest stretch (WGS84), or None.

    The page « Secteurs » preselects it in the split form once the mairie has drawn its line.
    """
    try:
        drawn = parse_geojson(line, "line", "La ligne de coupe")
    except ServiceError:
        return None
    lengths = {code: drawn.intersection(outline).length for code, outline in outlines.items()}
    best = max(lengths, key=lengths.__getitem__, default=None)
    return best if best is not None and lengths[best] > 0 else None


def draft_version(actor: Actor, commune: str) -> int | None:
    """The version of the working draft, ``None`` when there is none."""
    from sectors._drafts import find_draft

    with unit_of_work() as session:
        draft = find_draft(session, _commune_for(session, actor, commune))
        return draft.version if draft is not None else None


def _version_or_draft(session: Session, commune: Commune, version: int | None) -> SectorSet:
    from sectors import get_set
    from sectors._drafts import find_draft

    found = get_set(session, commune, version) if version is not None else find_draft(session, commune)
    if found is None:
        raise ServiceError(
            "La commune n'a pas de brouillon de découpage : modifiez un secteur d'abord.", field="version"
        )
    return found


def validate(actor: Actor, commune: str, *, version: int | None = None) -> Validation:
    """Every problem of version ``version`` (default: the working draft), with its geometry and its fix."""
    from sectors._drafts import layout_problems
    from sectors._validation import KIND_LABELS
    from services._config import sector_rules

    with unit_of_work() as session:
        com = _commune_for(session, actor, commune)
        sset = _version_or_draft(session, com, version)
        found = layout_problems(sset, com, sector_rules())
        return Validation(
            sset.version,
            tuple(
                Problem(
                    p.kind.value,
                    KIND_LABELS[p.kind],
                    p.codes,
                    _to_geojson(p.geometry, com.crs_epsg),
                    p.area_m2,
                    p.message,
                    p.fix,
                    p.blocking,
                )
                for p in found
            ),
        )


def diff(actor: Actor, commune: str, *, version: int | None = None) -> DraftDiff:
    """The draft (or version ``version``) against the active set: areas, households, members who would move."""
    import numpy as np
    from sqlalchemy import select

    from gis import to_metric, transform_xy
    from sectors import active_set
    from sectors._diff import Layout, diff_layouts
    from store.schema import Address, Member, MemberStatus

    with unit_of_work() as session:
        com = _commune_for(session, actor, commune)
        draft = _version_or_draft(session, com, version)
        active = active_set(session, com)
        epsg = com.crs_epsg

        def layout(sset: Any) -> Layout:
            sectors = list(sset.sectors) if sset is not None else []
            return Layout(
                [s.code for s in sectors], [s.name for s in sectors], [_shape(to_metric(s.geom, epsg)) for s in sectors]
            )

        def metric_xy(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
            x, y = transform_xy(lon, lat, 4326, epsg)
            return np.column_stack([x, y])

        addresses = np.asarray(
            session.execute(select(Address.lon, Address.lat).where(Address.insee == com.insee)).all()
        )
        households = metric_xy(addresses[:, 0], addresses[:, 1]) if len(addresses) else None
        rows = session.execute(
            select(Member.id, Member.lon, Member.lat, Member.sector_code).where(
                Member.commune_id == com.id,
                Member.lon.is_not(None),
                Member.lat.is_not(None),
                Member.status.in_([MemberStatus.PENDING, MemberStatus.VERIFIED]),
            )
        ).all()
        members: list[tuple[int, float, float, str | None]] = []
        if rows:
            xy = metric_xy(np.asarray([r[1] for r in rows], float), np.asarray([r[2] for r in rows], float))
            members = [(int(r[0]), float(x), float(y), r[3]) for r, (x, y) in zip(rows, xy, strict=True)]
        result = diff_layouts(layout(active), layout(draft), households_xy=households, members=members)
        return DraftDiff(
            active.version if active is not None else None,
            draft.version,
            tuple(result.sectors),
            tuple(result.moved_members),
            households is not None,
        )


__all__ = [
    "DraftDiff",
    "EditResult",
    "Problem",
    "Validation",
    "delete_sector",
    "diff",
    "draft_version",
    "draw_sector",
    "merge_sectors",
    "move_block",
    "parse_geojson",
    "rename_sector",
    "reshape_sector",
    "split_sector",
    "validate",
]
