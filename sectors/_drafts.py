"""The working draft of a commune's sectors, and the edits applied to it (never to the active set).

Every edit finds the working draft (the latest draft newer than the active set), or makes one as a copy of
the active set (else of the latest version), changes its sectors with the pure functions of
:mod:`sectors._edits`, and returns the draft: its version is what the editor shows and the CLI prints.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry
from sqlalchemy import Table, func, select
from sqlalchemy.orm import Session

from gis import InputError, as_multipolygon, to_metric, transform_geom
from sectors import _edits as edits
from sectors._sets import DEFAULT_REFERENT_PLACES, SectorRules, _new_codes, active_set
from sectors._validation import LayoutProblem, validate_layout
from store._text import check_values
from store.schema import Commune, Sector, SectorSet, SetStatus


@dataclass(frozen=True)
class EditOutcome:
    """What an edit did: the draft's version, and the codes it created, changed and removed."""

    version: int
    created: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()


def find_draft(session: Session, commune: Commune) -> SectorSet | None:
    """The working draft: the latest draft version newer than the active set, if any."""
    active = active_set(session, commune)
    query = select(SectorSet).where(SectorSet.commune_id == commune.id, SectorSet.status == SetStatus.DRAFT)
    if active is not None:
        query = query.where(SectorSet.version > active.version)
    return session.scalar(query.order_by(SectorSet.version.desc()).limit(1))


def working_draft(session: Session, commune: Commune) -> SectorSet:
    """The working draft, made as a copy of the active set (else of the latest version) when there is none."""
    draft = find_draft(session, commune)
    if draft is not None:
        return draft
    base = active_set(session, commune) or session.scalar(
        select(SectorSet).where(SectorSet.commune_id == commune.id).order_by(SectorSet.version.desc()).limit(1)
    )
    version = (session.scalar(select(func.max(SectorSet.version)).where(SectorSet.commune_id == commune.id)) or 0) + 1
    draft = SectorSet(
        commune_id=commune.id,
        version=version,
        label=f"Brouillon (modifications de la version {base.version})" if base else "Brouillon",
        source=f"copie de la version {base.version}" if base else "",
        status=SetStatus.DRAFT,
    )
    session.add(draft)
    for s in base.sectors if base else []:
        draft.sectors.append(
            Sector(code=s.code, name=s.name, referent_places=s.referent_places, area_m2=s.area_m2, geom=s.geom)
        )
    session.flush()
    return draft


def _sector(draft: SectorSet, code: str, field: str = "sector") -> Sector:
    for s in draft.sectors:
        if s.code == code:
            return s
    known = ", ".join(s.code for s in draft.sectors) or "aucun"
    raise InputError(
        f"Le brouillon (version {draft.version}) n'a pas de secteur « {code} ». Secteurs : {known}.", field=field
    )


def _shape(geom: BaseGeometry) -> BaseGeometry:
    """The stubs type stored and projected geometries as ``BaseGeometry``; they are shapely shapes."""
    return geom


def _polygons(geom: BaseGeometry) -> Polygon | MultiPolygon:
    return cast(Polygon | MultiPolygon, geom)


def _metric(commune: Commune, sector: Sector) -> BaseGeometry:
    geom = _metric_as_is(commune, sector.geom)
    parts = shapely.get_parts(geom)
    return _shape(parts[0]) if len(parts) == 1 else geom


def _store(commune: Commune, sector: Sector, geom_m: BaseGeometry) -> None:
    sector.geom = as_multipolygon(_polygons(transform_geom(geom_m, commune.crs_epsg, 4326)))
    sector.area_m2 = float(geom_m.area)


def _store_drawn(commune: Commune, sector: Sector, geom_wgs84: BaseGeometry) -> None:
    # Kept as drawn (not through the metric CRS, whose densification would quietly rebuild a crossing outline).
    sector.geom = as_multipolygon(_polygons(geom_wgs84))
    sector.area_m2 = float(_shape(to_metric(geom_wgs84, commune.crs_epsg)).area)


def _metric_as_is(commune: Commune, geom: BaseGeometry) -> BaseGeometry:
    """``geom`` in metres; an invalid one is projected vertex by vertex so that it stays as invalid as drawn."""
    if _shape(geom).is_valid:
        return _shape(to_metric(geom, commune.crs_epsg))
    return _shape(transform_geom(geom, 4326, commune.crs_epsg))


def _fresh_code(session: Session, commune: Commune, draft: SectorSet) -> str:
    history = session.scalars(select(Sector.code).join(SectorSet).where(SectorSet.commune_id == commune.id)).all()
    return next(_new_codes(set(history) | {s.code for s in draft.sectors}))


def _unique_name(draft: SectorSet, wanted: str) -> str:
    taken = {s.name for s in draft.sectors}
    if wanted not in taken:
        return wanted
    n = 2
    while f"{wanted} ({n})" in taken:
        n += 1
    return f"{wanted} ({n})"


def _check_name(draft: SectorSet, name: str, *, but: Sector | None = None) -> str:
    name = " ".join(name.split())
    if not name:
        raise InputError("Donnez un nom au secteur.", field="name")
    check_values(cast(Table, Sector.__table__), {"name": name})  # the one text policy: length, control characters
    if any(s.name == name and s is not but for s in draft.sectors):
        raise InputError(f"Le brouillon a déjà un secteur nommé « {name} » : choisissez un autre nom.", field="name")
    return name


def draw(
    session: Session, commune: Commune, geom_wgs84: BaseGeometry, name: str, *, referents: int = DEFAULT_REFERENT_PLACES
) -> EditOutcome:
    """Add a sector drawn on the map (EPSG:4326) to the working draft."""
    if not 1 <= referents <= 10:
        raise InputError(f"Nombre de référents invalide : {referents} (de 1 à 10).", field="referents")
    geom = edits.polygonal(geom_wgs84, "Le secteur dessiné")
    draft = working_draft(session, commune)
    name = _check_name(draft, name)
    code = _fresh_code(session, commune, draft)
    sector = Sector(code=code, name=name, referent_places=referents, area_m2=0.0, geom=as_multipolygon(_polygons(geom)))
    _store_drawn(commune, sector, geom)
    draft.sectors.append(sector)
    session.flush()
    return EditOutcome(draft.version, created=(code,))


def reshape(session: Session, commune: Commune, code: str, geom_wgs84: BaseGeometry) -> EditOutcome:
    """Replace the outline of sector ``code`` in the working draft (its vertices were edited)."""
    geom = edits.polygonal(geom_wgs84, f"Le nouveau contour du secteur « {code} »")
    draft = working_draft(session, commune)
    _store_drawn(commune, _sector(draft, code), geom)
    session.flush()
    return EditOutcome(draft.version, changed=(code,))


def rename(
    session: Session, commune: Commune, code: str, name: str | None = None, referents: int | None = None
) -> EditOutcome:
    """Change the name and/or the referent places of sector ``code`` in the working draft."""
    draft = working_draft(session, commune)
    sector = _sector(draft, code)
    if name is not None:
        sector.name = _check_name(draft, name, but=sector)
    if referents is not None:
        if not 1 <= referents <= 10:
            raise InputError(f"Nombre de référents invalide : {referents} (de 1 à 10).", field="referents")
        sector.referent_places = referents
    session.flush()
    return EditOutcome(draft.version, changed=(code,))


def delete(session: Session, commune: Commune, code: str) -> EditOutcome:
    """Remove sector ``code`` from the working draft (its ground becomes a gap the validation shows)."""
    draft = working_draft(session, commune)
    draft.sectors.remove(_sector(draft, code))
    session.flush()
    return EditOutcome(draft.version, removed=(code,))


def split(
    session: Session, commune: Commune, code: str, line_wgs84: BaseGeometry, *, new_name: str | None = None
) -> EditOutcome:
    """Cut sector ``code`` along a line: the larger part keeps the code, the other gets a new one."""
    draft = working_draft(session, commune)
    sector = _sector(draft, code)
    line_m = _shape(to_metric(line_wgs84, commune.crs_epsg))
    result = edits.split_sector(_metric(commune, sector), line_m, label=f"Le secteur « {sector.name} »")
    name = _check_name(draft, new_name) if new_name else _unique_name(draft, f"{sector.name} (2)")
    new_code = _fresh_code(session, commune, draft)
    _store(commune, sector, result.kept)
    added = Sector(code=new_code, name=name, referent_places=sector.referent_places, area_m2=0.0, geom=sector.geom)
    _store(commune, added, result.new)
    draft.sectors.append(added)
    session.flush()
    return EditOutcome(draft.version, created=(new_code,), changed=(code,))


def merge(session: Session, commune: Commune, first: str, second: str) -> EditOutcome:
    """Merge two neighbouring sectors: the larger keeps its code and name, the other's code disappears."""
    if first == second:
        raise InputError("Choisissez deux secteurs différents à fusionner.", field="sectors")
    draft = working_draft(session, commune)
    a, b = _sector(draft, first, "sectors"), _sector(draft, second, "sectors")
    keep, drop = (a, b) if a.area_m2 >= b.area_m2 else (b, a)
    merged = edits.merge_sectors(_metric(commune, keep), _metric(commune, drop), labels=(keep.name, drop.name))
    _store(commune, keep, merged)
    draft.sectors.remove(drop)
    session.flush()
    return EditOutcome(draft.version, changed=(keep.code,), removed=(drop.code,))


def move_block(session: Session, commune: Commune, block_wgs84: BaseGeometry, to_code: str) -> EditOutcome:
    """Move a street block (EPSG:4326 polygon) to the neighbouring sector ``to_code``.

    The block is taken from the sector holding most of it.
    """
    draft = working_draft(session, commune)
    target = _sector(draft, to_code)
    block_m = _shape(to_metric(edits.polygonal(block_wgs84, "L'îlot"), commune.crs_epsg))
    others = [s for s in draft.sectors if s is not target]
    if not others:
        raise InputError("Le brouillon n'a pas d'autre secteur d'où prendre l'îlot.", field="block")
    metric = [_metric(commune, s) for s in others]
    shared = shapely.area(shapely.intersection(np.asarray(metric, dtype=object), block_m))
    best = int(np.argmax(shared))
    if shared[best] <= edits.CRUMB_M2:
        raise InputError("L'îlot choisi n'est dans aucun autre secteur du brouillon.", field="block")
    source = others[best]
    result = edits.move_block(block_m, metric[best], _metric(commune, target), labels=(source.name, target.name))
    _store(commune, source, result.source)
    _store(commune, target, result.target)
    session.flush()
    return EditOutcome(draft.version, changed=(source.code, target.code))


def layout_problems(sector_set: SectorSet, commune: Commune, rules: SectorRules) -> list[LayoutProblem]:
    """Every problem of ``sector_set`` (geometries in the commune's metric CRS)."""
    sectors = list(sector_set.sectors)
    return validate_layout(
        [s.code for s in sectors],
        [s.name for s in sectors],
        [_metric_as_is(commune, s.geom) for s in sectors],
        _shape(to_metric(commune.boundary, commune.crs_epsg)),
        within_tolerance_m=rules.within_tolerance_m,
        overlap_tolerance_m2=rules.overlap_tolerance_m2,
    )


__all__ = [
    "EditOutcome",
    "delete",
    "draw",
    "find_draft",
    "layout_problems",
    "merge",
    "move_block",
    "rename",
    "reshape",
    "split",
    "working_draft",
]
