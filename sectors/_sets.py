"""Sector sets: import (with the rules checked), versions draft -> active -> retired, activation, export."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry
from sqlalchemy import event, func, select, update
from sqlalchemy.orm import Session

from gis import InputError, as_multipolygon, invalid_reason, repair_all, to_metric
from sectors import _generation as generation
from sectors._rules import RuleReport, check_rules
from store._text import check_values
from store.schema import Commune, Sector, SectorSet, SetStatus, utcnow

if TYPE_CHECKING:
    import geopandas as gpd

NAME_FIELDS = ("nom", "name", "NOM", "Name", "NAME", "secteur", "SECTEUR", "Secteur", "label", "libelle", "LIBELLE")
CODE_FIELDS = ("code", "CODE", "id_secteur", "code_secteur")
REFERENT_FIELDS = ("referents", "referent_places", "nb_referents", "REFERENTS")
# (matched exactly, then ignoring case, then truncated to a Shapefile's 10 characters: see _first_field)
DEFAULT_REFERENT_PLACES = 2


@dataclass(frozen=True)
class SectorRules:
    """Tolerances of the sector rules (from the settings at the edges)."""

    within_tolerance_m: float = 1.0
    overlap_tolerance_m2: float = 1.0
    repair_min_area_ratio: float = 0.99


@dataclass
class PreparedSectors:
    """Sectors read from a file, validated and repaired, ready to be stored."""

    rows: gpd.GeoDataFrame  # the polygonal features, in file order
    names: list[str]
    geoms: list[BaseGeometry]  # EPSG:4326, valid
    referent_places: list[int]
    repaired: list[str]
    report: RuleReport


@dataclass
class ImportOutcome:
    """What an import stored and found."""

    sector_set: SectorSet
    report: RuleReport
    repaired: list[str] = field(default_factory=list)


#: Longest field name a Shapefile keeps: QGIS and GDAL truncate longer ones (« referent_places » → « referent_p »).
SHAPEFILE_FIELD_CHARS = 10


def _first_field(gdf: gpd.GeoDataFrame, candidates: tuple[str, ...]) -> str | None:
    """The first column matching a candidate: exactly, then ignoring case, then as a Shapefile truncates it."""
    columns = [c for c in gdf.columns if c != gdf.geometry.name]
    folded = {c.lower(): c for c in reversed(columns)}
    for wanted in (
        lambda c: c if c in columns else None,
        lambda c: folded.get(c.lower()),
        lambda c: folded.get(c[:SHAPEFILE_FIELD_CHARS].lower()) if len(c) > SHAPEFILE_FIELD_CHARS else None,
    ):
        for candidate in candidates:
            found = wanted(candidate)
            if found is not None:
                return found
    return None


def _clean(value: object) -> str:
    return "" if value is None or (isinstance(value, float) and np.isnan(value)) else str(value).strip()


def _names(gdf: gpd.GeoDataFrame, name_field: str | None) -> list[str]:
    if name_field is not None and name_field not in gdf.columns:
        available = ", ".join(c for c in gdf.columns if c != gdf.geometry.name) or "aucun"
        raise InputError(f"Le champ « {name_field} » n'existe pas dans le fichier. Champs disponibles : {available}.")
    column = name_field or _first_field(gdf, NAME_FIELDS)
    values = [_clean(v) for v in gdf[column]] if column else [""] * len(gdf)
    return [v or f"Secteur {i + 1}" for i, v in enumerate(values)]


def _new_codes(taken: set[str]) -> Iterator[str]:
    """S001, S002, … skipping the codes already taken."""
    n = 0
    while True:
        n += 1
        if f"S{n:03d}" not in taken:
            yield f"S{n:03d}"


def _codes(session: Session, commune: Commune, gdf: gpd.GeoDataFrame, names: list[str]) -> list[str]:
    """Stable codes: from the file, else the code the same-named sector had in earlier versions, else new."""
    column = _first_field(gdf, CODE_FIELDS)
    given = [_clean(v) for v in gdf[column]] if column else [""] * len(gdf)
    history = session.execute(
        select(Sector.name, Sector.code)
        .join(SectorSet)
        .where(SectorSet.commune_id == commune.id)
        .order_by(SectorSet.version.desc())
    ).all()
    by_name: dict[str, str] = {}
    for name, code in history:
        by_name.setdefault(name, code)
    taken = {code for _, code in history} | {g for g in given if g}
    fresh = _new_codes(taken)
    codes: list[str] = []
    used: set[str] = set()
    for code, name in zip(given, names, strict=True):
        if not code:
            reused = by_name.get(name)
            code = reused if reused is not None and reused not in used else next(fresh)
        used.add(code)
        codes.append(code)
    return codes


def _referent_places(gdf: gpd.GeoDataFrame, names: list[str], problems: list[str]) -> list[int]:
    column = _first_field(gdf, REFERENT_FIELDS)
    if column is None:
        return [DEFAULT_REFERENT_PLACES] * len(gdf)
    out = []
    for value, name in zip(gdf[column], names, strict=True):
        text = _clean(value)
        if not text:
            out.append(DEFAULT_REFERENT_PLACES)
            continue
        try:
            n = int(float(text))
        except ValueError:
            n = 0
        if not 1 <= n <= 10:
            problems.append(f"Secteur « {name} » : nombre de référents « {text} » invalide (entier de 1 à 10).")
            n = DEFAULT_REFERENT_PLACES
        out.append(n)
    return out


def _duplicates(values: list[str], what: str) -> list[str]:
    seen: dict[str, int] = {}
    for v in values:
        seen[v] = seen.get(v, 0) + 1
    return [
        f"{what} « {v} » est utilisé par {n} secteurs : chaque secteur doit avoir le sien."
        for v, n in seen.items()
        if n > 1
    ]


def prepare_sectors(
    gdf: gpd.GeoDataFrame, commune: Commune, rules: SectorRules, *, name_field: str | None = None
) -> PreparedSectors:
    """Validate sectors read from a file against ``commune``; raise one error listing every problem."""
    if gdf.crs is not None and gdf.crs.to_epsg() != 4326:
        gdf = gdf.to_crs(4326)
    problems: list[str] = []
    kinds = gdf.geometry.geom_type
    polygonal = kinds.isin(["Polygon", "MultiPolygon"]) | kinds.eq("GeometryCollection")
    if not polygonal.any():
        found = ", ".join(sorted(set(kinds.dropna()))) or "aucune géométrie"
        raise InputError(f"Le fichier ne contient aucun polygone (trouvé : {found}). Un secteur est une surface.")
    for i in np.flatnonzero(~polygonal.to_numpy()):
        geom = gdf.geometry.iloc[i]
        if geom is None or geom.is_empty:
            problems.append(f"L'objet n°{i + 1} n'a pas de géométrie : dessinez-le ou retirez-le du fichier.")
        else:
            problems.append(f"L'objet n°{i + 1} n'est pas un polygone ({kinds.iloc[i]}) : retirez-le du fichier.")
    gdf = gdf.loc[polygonal.to_numpy()].reset_index(drop=True)
    names = _names(gdf, name_field)
    for i, name in enumerate(names):  # type: ignore[assignment]
        try:
            check_values(Sector.__table__, {"name": name})  # type: ignore[arg-type]
        except InputError as exc:
            problems.append(f"L'objet n°{i + 1} : {exc.message}")
    problems += _duplicates(names, "Le nom")
    places = _referent_places(gdf, names, problems)
    repair = repair_all(
        list(gdf.geometry), [f"Le secteur « {n} »" for n in names], min_area_ratio=rules.repair_min_area_ratio
    )
    problems += repair.problems
    if problems:
        raise InputError("Le découpage en secteurs est refusé :", problems)
    metric = [to_metric(g, commune.crs_epsg) for g in repair.geometries]
    commune_m = to_metric(commune.boundary, commune.crs_epsg)
    report = check_rules(
        names,
        metric,
        commune_m,
        within_tolerance_m=rules.within_tolerance_m,
        overlap_tolerance_m2=rules.overlap_tolerance_m2,
    )
    if not report.ok:
        raise InputError("Le découpage en secteurs est refusé :", report.problems)
    repaired = [label.removeprefix("Le secteur « ").removesuffix(" »") for label in repair.repaired]
    return PreparedSectors(gdf, names, repair.geometries, places, repaired, report)  # type: ignore[arg-type]


def import_sector_set(
    session: Session,
    commune: Commune,
    gdf: gpd.GeoDataFrame,
    *,
    name_field: str | None = None,
    label: str = "",
    source: str = "",
    activate: bool = False,
    rules: SectorRules | None = None,
) -> ImportOutcome:
    """Store ``gdf`` as a new draft version of the commune's sector set (and activate it if asked).

    Every rule is checked first; on any problem an :class:`InputError` lists them all and nothing is stored
    (the caller's transaction is left untouched).
    """
    rules = rules or SectorRules()
    prepared = prepare_sectors(gdf, commune, rules, name_field=name_field)
    names, geoms = prepared.names, prepared.geoms
    codes = _codes(session, commune, prepared.rows, names)
    problems = _duplicates(codes, "Le code")
    if problems:
        raise InputError("Le découpage en secteurs est refusé :", problems)
    version = (session.scalar(select(func.max(SectorSet.version)).where(SectorSet.commune_id == commune.id)) or 0) + 1
    sector_set = SectorSet(
        commune=commune,
        version=version,
        label=label or f"Version {version}",
        source=source[:500],
        status=SetStatus.DRAFT,
    )
    areas = shapely.area(np.asarray([to_metric(g, commune.crs_epsg) for g in geoms], dtype=object))
    for name, code, geom, n, area in zip(names, codes, geoms, prepared.referent_places, areas, strict=True):
        sector_set.sectors.append(
            Sector(code=code, name=name, referent_places=n, area_m2=float(area), geom=as_multipolygon(geom))  # type: ignore[arg-type]
        )
    session.add(sector_set)
    session.flush()
    if activate:
        activate_set(session, sector_set, rules=rules, checked=True)
    return ImportOutcome(sector_set, prepared.report, prepared.repaired)


def save_sector_set(session: Session, commune: Commune, gdf: gpd.GeoDataFrame, **kwargs: object) -> SectorSet:
    """Shortcut of :func:`import_sector_set` returning only the stored set."""
    return import_sector_set(session, commune, gdf, **kwargs).sector_set  # type: ignore[arg-type]


def activate_set(
    session: Session, sector_set: SectorSet, *, rules: SectorRules | None = None, checked: bool = False
) -> SectorSet:
    """Make ``sector_set`` the active set of its commune, retiring the previous one, atomically.

    The rules are checked again (the commune's limits may have been corrected since the import) unless
    ``checked`` says the caller has just checked them in this transaction. The commune
    row is locked on PostgreSQL so that two activations cannot interleave; the database's partial unique index
    guarantees one active set per commune in any case.
    """
    if sector_set.status == SetStatus.ACTIVE:
        return sector_set
    if sector_set.status == SetStatus.RETIRED:
        raise InputError(f"La version {sector_set.version} est retirée : importez-la à nouveau pour la réactiver.")
    rules = rules or SectorRules()
    commune = session.scalar(select(Commune).where(Commune.id == sector_set.commune_id).with_for_update())
    assert commune is not None
    if not checked:
        _recheck(sector_set, commune, rules)
    now = utcnow()
    session.execute(
        update(SectorSet)
        .where(SectorSet.commune_id == commune.id, SectorSet.status == SetStatus.ACTIVE)
        .values(status=SetStatus.RETIRED, retired_at=now)
        .execution_options(synchronize_session="fetch")
    )
    session.flush()
    sector_set.status = SetStatus.ACTIVE
    sector_set.activated_at = now
    session.flush()
    # Locators of this process reload once this commits; other processes within lookup_cache_seconds.
    event.listen(session, "after_commit", lambda _session: generation.bump(), once=True)
    return sector_set


def _recheck(sector_set: SectorSet, commune: Commune, rules: SectorRules) -> None:
    # Edited drafts may hold an outline drawn crossing itself: the rules below need valid geometries.
    invalid = [
        f"Le contour du secteur « {s.name} » est invalide ({invalid_reason(s.geom)}) : corrigez ses sommets."
        for s in sector_set.sectors
        if not s.geom.is_valid
    ]
    if invalid:
        raise InputError(f"La version {sector_set.version} ne peut pas être activée :", invalid)
    report = check_rules(
        [s.name for s in sector_set.sectors],
        [to_metric(s.geom, commune.crs_epsg) for s in sector_set.sectors],
        to_metric(commune.boundary, commune.crs_epsg),
        within_tolerance_m=rules.within_tolerance_m,
        overlap_tolerance_m2=rules.overlap_tolerance_m2,
    )
    if not report.ok:
        raise InputError(f"La version {sector_set.version} ne peut pas être activée :", report.problems)


def active_set(session: Session, commune: Commune) -> SectorSet | None:
    """The active sector set of ``commune``, if any."""
    return session.scalar(
        select(SectorSet).where(SectorSet.commune_id == commune.id, SectorSet.status == SetStatus.ACTIVE)
    )


def get_set(session: Session, commune: Commune, version: int | None = None) -> SectorSet:
    """Version ``version`` of the commune's sector set; by default the active one, else the latest."""
    query = select(SectorSet).where(SectorSet.commune_id == commune.id)
    if version is not None:
        found = session.scalar(query.where(SectorSet.version == version))
        if found is None:
            raise InputError(f"La commune {commune.insee} n'a pas de version {version} de découpage.", field="version")
        return found
    found = active_set(session, commune) or session.scalar(query.order_by(SectorSet.version.desc()).limit(1))
    if found is None:
        raise InputError(
            f"La commune {commune.insee} n'a aucun découpage en secteurs : importez-en un, ou générez-en un le "
            "long des rues.",
            field="commune",
        )
    return found


def sets_of(session: Session, commune: Commune) -> list[SectorSet]:
    """Every version of the commune's sector set, oldest first."""
    return list(
        session.scalars(select(SectorSet).where(SectorSet.commune_id == commune.id).order_by(SectorSet.version))
    )


def to_geodataframe(sector_set: SectorSet) -> gpd.GeoDataFrame:
    """The sectors of a set as a GeoDataFrame in EPSG:4326 (for export)."""
    import geopandas as gpd
    import pandas as pd

    rows = pd.DataFrame(
        {
            "code": [s.code for s in sector_set.sectors],
            "nom": [s.name for s in sector_set.sectors],
            "referents": [s.referent_places for s in sector_set.sectors],
            "surface_m2": [round(s.area_m2, 1) for s in sector_set.sectors],
        }
    )
    return gpd.GeoDataFrame(rows, geometry=[s.geom for s in sector_set.sectors], crs=4326)
