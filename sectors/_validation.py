"""Every problem of a sector layout as data, with the geometry to draw in red and a French fix (pure).

Where :func:`sectors.check_rules` answers "may this set be activated?" with sentences, :func:`validate_layout`
answers "where is each problem?": the editor draws each :class:`LayoutProblem`'s geometry and lists its fix.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from gis import french_reason


class ProblemKind(enum.StrEnum):
    INVALID = "invalid"  # a ring crosses itself, a hole outside its shell...
    OVERLAP = "overlap"  # two sectors cover the same ground
    OUTSIDE = "outside"  # a sector spills over the commune's limit
    GAP = "gap"  # part of the commune in no sector
    PIECES = "pieces"  # one sector in several separate pieces


#: Kinds that forbid activation; the others are warnings the mairie may accept.
BLOCKING = frozenset({ProblemKind.INVALID, ProblemKind.OVERLAP, ProblemKind.OUTSIDE})

KIND_LABELS = {
    ProblemKind.INVALID: "contour invalide",
    ProblemKind.OVERLAP: "chevauchement",
    ProblemKind.OUTSIDE: "hors de la commune",
    ProblemKind.GAP: "trou",
    ProblemKind.PIECES: "secteur en plusieurs morceaux",
}


@dataclass(frozen=True)
class LayoutProblem:
    """One problem of a layout.

    Attributes
    ----------
    kind
        What is wrong.
    codes
        The sectors concerned (none for a gap).
    geometry
        Where: the overlap, the part outside, the gap, the stray pieces, or the point where a ring crosses
        itself (same CRS as the input).
    area_m2
        Area of ``geometry`` (0 for a point).
    message, fix
        French: what is wrong, and what to do.
    """

    kind: ProblemKind
    codes: tuple[str, ...]
    geometry: BaseGeometry
    area_m2: float
    message: str
    fix: str

    @property
    def blocking(self) -> bool:
        """Whether the problem forbids activation."""
        return self.kind in BLOCKING


def _area(m2: float) -> str:
    return f"{m2 / 10_000:.2f} ha" if m2 >= 10_000 else f"{m2:,.0f} m²".replace(",", " ")


def _invalid(code: str, name: str, geom: BaseGeometry) -> LayoutProblem:
    reason = shapely.is_valid_reason(geom)
    where = shapely.get_coordinates(geom)[:1]
    found = reason.rpartition("[")[2].rstrip("]").split()
    try:
        point = shapely.Point(float(found[0]), float(found[1]))
    except (IndexError, ValueError):
        point = shapely.Point(where[0]) if len(where) else shapely.Point()
    return LayoutProblem(
        ProblemKind.INVALID,
        (code,),
        point,
        0.0,
        f"Le contour du secteur « {name} » est invalide ({french_reason(reason)}).",
        "Déplacez les sommets pour que le contour ne se croise pas lui-même, ou redessinez le secteur.",
    )


def validate_layout(
    codes: Sequence[str],
    names: Sequence[str],
    sectors_m: Sequence[BaseGeometry],
    commune_m: BaseGeometry,
    *,
    within_tolerance_m: float = 1.0,
    overlap_tolerance_m2: float = 1.0,
    min_gap_m2: float = 1.0,
) -> list[LayoutProblem]:
    """List every problem of a sector layout, each with its geometry and its fix.

    Parameters
    ----------
    codes, names
        Sector codes and names, for the problems and their messages.
    sectors_m
        Sector (Multi)Polygons in the commune's metric CRS; invalid ones are reported, not refused.
    commune_m
        The commune boundary, same CRS.
    within_tolerance_m, overlap_tolerance_m2
        Tolerances of the rules (as :func:`sectors.check_rules`).
    min_gap_m2
        Gaps and stray pieces smaller than this are coordinate noise and not reported.

    Returns
    -------
    list of LayoutProblem
        Invalid rings first, then overlaps, parts outside, sectors in pieces, gaps; empty when all is well.
    """
    geoms = np.asarray(list(sectors_m), dtype=object)
    problems: list[LayoutProblem] = []
    valid = shapely.is_valid(geoms) if len(geoms) else np.zeros(0, bool)
    for i in np.flatnonzero(~valid):
        problems.append(_invalid(codes[int(i)], names[int(i)], geoms[i]))
    # Later checks need valid input: an invalid sector is taken as GEOS repairs it, to still locate overlaps.
    fixed = np.asarray([g if ok else shapely.make_valid(g) for g, ok in zip(geoms, valid, strict=True)], dtype=object)
    problems += _overlaps(codes, names, fixed, overlap_tolerance_m2)
    problems += _outside(codes, names, fixed, commune_m, within_tolerance_m)
    problems += _pieces(codes, names, fixed, min_gap_m2)
    problems += _gaps(fixed, commune_m, min_gap_m2)
    return problems


def _overlaps(codes: Sequence[str], names: Sequence[str], geoms: np.ndarray, tol: float) -> list[LayoutProblem]:
    if len(geoms) < 2:
        return []
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="intersects")
    keep = left < right
    left, right = left[keep], right[keep]
    inner = shapely.relate_pattern(geoms[left], geoms[right], "T********")
    out = []
    for i, j in zip(left[inner].tolist(), right[inner].tolist(), strict=True):
        shared = shapely.intersection(geoms[i], geoms[j])
        area = float(shared.area)
        if area > tol:
            out.append(
                LayoutProblem(
                    ProblemKind.OVERLAP,
                    (codes[i], codes[j]),
                    shared,
                    area,
                    f"Les secteurs « {names[i]} » et « {names[j]} » se chevauchent sur {_area(area)}.",
                    "Déplacez la limite de l'un des deux pour qu'elle suive celle de l'autre (la même rue), "
                    "ou déplacez l'îlot en double vers un seul secteur.",
                )
            )
    return out


def _outside(
    codes: Sequence[str], names: Sequence[str], geoms: np.ndarray, commune_m: BaseGeometry, tol: float
) -> list[LayoutProblem]:
    allowed = shapely.buffer(commune_m, tol) if tol > 0 else commune_m
    shapely.prepare(allowed)
    out = []
    for i in np.flatnonzero(~shapely.covers(allowed, geoms)).tolist() if len(geoms) else []:
        excess = shapely.difference(geoms[i], commune_m)
        out.append(
            LayoutProblem(
                ProblemKind.OUTSIDE,
                (codes[i],),
                excess,
                float(excess.area),
                f"Le secteur « {names[i]} » déborde de la commune sur {_area(float(excess.area))}.",
                "Ramenez ses sommets sur la limite communale (la partie en rouge est hors de la commune).",
            )
        )
    return out


def _pieces(codes: Sequence[str], names: Sequence[str], geoms: np.ndarray, min_m2: float) -> list[LayoutProblem]:
    out = []
    for code, name, geom in zip(codes, names, geoms, strict=True):
        parts = sorted(_substantial(shapely.get_parts(geom), min_m2), key=lambda p: -p.area)
        if len(parts) > 1:
            stray = shapely.union_all(parts[1:])
            out.append(
                LayoutProblem(
                    ProblemKind.PIECES,
                    (code,),
                    stray,
                    float(stray.area),
                    f"Le secteur « {name} » est en {len(parts)} morceaux séparés.",
                    "Rattachez les morceaux isolés (en rouge) au secteur voisin qui les touche, ou reliez-les "
                    "au reste du secteur.",
                )
            )
    return out


#: Gaps and pieces narrower than this everywhere are slivers left by coordinate rounding, not ground.
MIN_WIDTH_M = 0.5


def _substantial(parts: np.ndarray, min_m2: float) -> list[BaseGeometry]:
    """The parts of at least ``min_m2`` that are not hairline slivers."""
    return [p for p in parts if p.area >= min_m2 and not shapely.buffer(p, -MIN_WIDTH_M / 2).is_empty]


def _gaps(geoms: np.ndarray, commune_m: BaseGeometry, min_m2: float) -> list[LayoutProblem]:
    union = shapely.union_all(geoms) if len(geoms) else shapely.Polygon()
    holes = _substantial(shapely.get_parts(shapely.difference(commune_m, union)), min_m2)
    return [
        LayoutProblem(
            ProblemKind.GAP,
            (),
            hole,
            float(hole.area),
            f"Une partie de la commune ({_area(float(hole.area))}) n'est dans aucun secteur.",
            "Étendez un secteur voisin jusqu'à couvrir ce trou, ou dessinez-y un nouveau secteur.",
        )
        for hole in sorted(holes, key=lambda p: -p.area)
    ]


__all__ = ["BLOCKING", "KIND_LABELS", "LayoutProblem", "ProblemKind", "validate_layout"]
