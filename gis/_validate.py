"""Validation and repair of polygonal geometries.

Repair never returns a GeometryCollection nor an empty shape: either a valid Polygon/MultiPolygon, or an
:class:`InputError` that says why. Every problem of a batch is collected and reported at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import shapely
from shapely import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from gis._errors import InputError

POLYGONAL = ("Polygon", "MultiPolygon")


def polygonal_part(geom: BaseGeometry) -> Polygon | MultiPolygon | None:
    """The polygonal part of ``geom`` (from a collection too), or None when it has none."""
    if geom is None or geom.is_empty:
        return None
    if geom.geom_type in POLYGONAL:
        return geom  # type: ignore[return-value]
    parts = [g for g in shapely.get_parts(geom) if g.geom_type in POLYGONAL and not g.is_empty]
    polys = [p for part in parts for p in shapely.get_parts(part)]
    if not polys:
        return None
    return polys[0] if len(polys) == 1 else MultiPolygon(polys)


# GEOS's reasons (``shapely.is_valid_reason``, English, with a location in brackets) said in French.
_REASONS_FR = {
    "self-intersection": "le contour se recoupe",
    "ring self-intersection": "un anneau du contour se recoupe",
    "too few points in geometry component": "une partie a trop peu de sommets distincts",
    "interior is disconnected": "l'intérieur est coupé en morceaux",
    "hole lies outside shell": "un trou dépasse du contour",
    "nested holes": "des trous sont emboîtés",
    "nested shells": "des parties sont emboîtées l'une dans l'autre",
    "duplicate rings": "un anneau est en double",
    "invalid coordinate": "une coordonnée est invalide",
    "ring is not closed": "un anneau n'est pas fermé",
}


def french_reason(reason: str) -> str:
    """GEOS's reason (``shapely.is_valid_reason``) in French, its location left out.

    Examples
    --------
    >>> french_reason("Self-intersection[1 1]")
    'le contour se recoupe'
    """
    return _REASONS_FR.get(reason.partition("[")[0].strip().lower(), "contour invalide")


def invalid_reason(geom: BaseGeometry) -> str:
    """Why ``geom`` is invalid, in French (:func:`french_reason` of GEOS's reason).

    Examples
    --------
    >>> from shapely import Polygon
    >>> invalid_reason(Polygon([(0, 0), (2, 2), (2, 0), (0, 2)]))
    'le contour se recoupe'
    """
    return french_reason(shapely.is_valid_reason(geom))


def as_multipolygon(geom: Polygon | MultiPolygon) -> MultiPolygon:
    """Wrap a Polygon as a one-part MultiPolygon (what the store keeps)."""
    return MultiPolygon([geom]) if geom.geom_type == "Polygon" else geom


def repair_polygonal(
    geom: BaseGeometry, *, min_area_ratio: float = 0.99, label: str = "la géométrie"
) -> Polygon | MultiPolygon:
    """Return ``geom`` valid, or raise :class:`InputError`.

    An invalid polygon (self-intersection, overlapping parts, bad holes) is repaired with GEOS's "structure"
    method when the repair keeps the area within ``min_area_ratio``: the ratio of the smaller to the larger of
    the declared area (shoelace formula on the rings as given) and the repaired area. A bow-tie, whose
    declared area is nearly nil, is therefore refused rather than silently turned into two triangles.

    Parameters
    ----------
    geom : shapely geometry
        Polygon or MultiPolygon (a collection's polygonal part is used).
    min_area_ratio : float
        Smallest accepted area ratio (default 0.99).
    label : str
        How to name the geometry in messages (French).
    """
    if geom is None or geom.is_empty:
        raise InputError(f"{label} est vide.")
    if geom.geom_type not in POLYGONAL:
        poly = polygonal_part(geom)
        if poly is None:
            raise InputError(f"{label} n'est pas un polygone (type {geom.geom_type}).")
        geom = poly
    if not np.isfinite(shapely.get_coordinates(geom)).all():
        raise InputError(f"{label} contient des coordonnées non numériques.")
    if geom.is_valid:
        if geom.area <= 0:
            raise InputError(f"{label} a une surface nulle.")
        return geom  # type: ignore[return-value]
    declared = abs(geom.area)
    repaired = _make_valid_polygonal(geom)
    if repaired is None or repaired.area <= 0:
        raise InputError(f"{label} est dégénérée (surface nulle après réparation) : redessinez-la.")
    ratio = min(declared, repaired.area) / max(declared, repaired.area)
    if ratio < min_area_ratio:
        raise InputError(
            f"{label} est invalide ({invalid_reason(geom)}) et sa réparation changerait sa surface de "
            f"{100 * (1 - ratio):.1f} % "
            f"(au plus {100 * (1 - min_area_ratio):.0f} % accepté) : corrigez-la dans votre logiciel SIG."
        )
    return repaired


def _make_valid_polygonal(geom: BaseGeometry) -> Polygon | MultiPolygon | None:
    """GEOS repair, then a union of the parts: "structure" may return parts sharing an edge (still invalid)."""
    repaired = polygonal_part(shapely.make_valid(geom, method="structure", keep_collapsed=False))
    if repaired is None or repaired.is_valid:
        return repaired
    merged = polygonal_part(shapely.union_all(shapely.get_parts(repaired)))
    if merged is not None and merged.is_valid:
        return merged
    fallback = polygonal_part(shapely.make_valid(geom, method="linework"))
    return fallback if fallback is not None and fallback.is_valid else None


@dataclass
class RepairReport:
    """What :func:`repair_all` did: the repaired geometries, the labels it repaired, the problems it found."""

    geometries: list[Polygon | MultiPolygon] = field(default_factory=list)
    repaired: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def repair_all(geoms: Sequence[BaseGeometry], labels: Sequence[str], *, min_area_ratio: float = 0.99) -> RepairReport:
    """Repair each geometry; collect every problem instead of stopping at the first."""
    report = RepairReport()
    for geom, label in zip(geoms, labels, strict=True):
        try:
            fixed = repair_polygonal(geom, min_area_ratio=min_area_ratio, label=label)
        except InputError as exc:
            report.problems.append(str(exc))
            continue
        if fixed is not geom:
            report.repaired.append(label)
        report.geometries.append(fixed)
    return report
