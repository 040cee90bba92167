"""Edits of a sector layout, as pure geometry functions in the commune's metric CRS.

Each function takes the geometries it changes and returns the new ones; storing them in a draft version is
:mod:`sectors._drafts`' job. Messages are French and say how to fix the input.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry import LineString, MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry
from shapely.ops import split as split_geometry

from gis import InputError, invalid_reason

#: A user-drawn line ending this close to the outline is prolonged to cross it (a hand is not precise).
LINE_SNAP_M = 10.0
#: Two sectors are neighbours when they share at least this length of boundary.
MIN_SHARED_M = 1.0
#: Gaps narrower than this between two merged sectors (coordinate round trips) are closed.
MERGE_TOLERANCE_M = 0.05
#: Area under which a leftover piece of an edit is a rounding crumb, not a part.
CRUMB_M2 = 0.01


@dataclass(frozen=True)
class SplitResult:
    """The two parts of a split sector: ``kept`` (the larger, keeps the code) and ``new`` (a new code)."""

    kept: BaseGeometry
    new: BaseGeometry


@dataclass(frozen=True)
class MoveResult:
    """A block moved between sectors: the new geometry of its former sector and of the receiving one."""

    source: BaseGeometry
    target: BaseGeometry
    moved_area_m2: float


def polygonal(geom: BaseGeometry, label: str) -> BaseGeometry:
    """``geom`` if it is a non-empty (Multi)Polygon with finite coordinates (validity is not required).

    A sector drawn with a crossing outline is kept as drawn: the validation lists it with its fix.
    """
    if geom is None or geom.is_empty:
        raise InputError(f"{label} est vide : dessinez un polygone.", field="geometry")
    if geom.geom_type not in ("Polygon", "MultiPolygon"):
        raise InputError(f"{label} doit être un polygone (reçu : {geom.geom_type}).", field="geometry")
    if not np.isfinite(shapely.get_coordinates(geom)).all():
        raise InputError(f"{label} contient des coordonnées non numériques.", field="geometry")
    if len(np.unique(shapely.get_coordinates(geom), axis=0)) < 3:
        raise InputError(f"{label} a moins de trois sommets distincts.", field="geometry")
    return geom


def _require_valid(geom: BaseGeometry, label: str) -> None:
    if not geom.is_valid:
        raise InputError(
            f"{label} a un contour invalide ({invalid_reason(geom)}) : corrigez ses sommets avant "
            "de le découper, fusionner ou modifier.",
            field="sector",
        )


def _without_crumb_holes(part: Polygon) -> Polygon:
    """``part`` without its holes of no more than :data:`CRUMB_M2`: the hairline gaps a union of two neighbours
    leaves where their shared edges do not quite meet (a zero-area hole collapses to a ring of too few points once
    stored in degrees, and the sector can no longer be edited)."""
    holes = [ring for ring in part.interiors if Polygon(ring).area > CRUMB_M2]
    return part if len(holes) == len(part.interiors) else Polygon(part.exterior, holes)


def _clean(geom: BaseGeometry) -> BaseGeometry:
    """The polygonal part of ``geom`` without crumbs (tiny parts or holes), as a Polygon when it has one part."""
    parts = [_without_crumb_holes(p) for p in shapely.get_parts(geom) if p.geom_type == "Polygon" and p.area > CRUMB_M2]
    if not parts:
        return Polygon()
    return parts[0] if len(parts) == 1 else MultiPolygon(parts)


def _prolong(line: LineString, distance: float) -> LineString:
    """``line`` with its first and last segments prolonged by ``distance``."""
    coords = np.asarray(line.coords, dtype=float)
    if len(coords) < 2 or distance <= 0:
        return line

    def beyond(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        d = b - a
        n = float(np.hypot(*d))
        return b if n == 0 else b + d / n * distance

    start = beyond(coords[1], coords[0])
    end = beyond(coords[-2], coords[-1])
    return LineString(np.vstack([start, coords, end]))


def split_sector(
    sector: BaseGeometry, line: BaseGeometry, *, label: str = "Le secteur", snap_m: float = LINE_SNAP_M
) -> SplitResult:
    """Cut ``sector`` in two along ``line``.

    Parameters
    ----------
    sector
        The sector, metric CRS, valid.
    line
        A LineString crossing it from side to side; ends within ``snap_m`` of the outline are prolonged.
    label
        How to name the sector in messages.

    Returns
    -------
    SplitResult
        The larger part (``kept``) and the other (``new``); their areas add up to the sector's.

    Raises
    ------
    InputError
        The line is not a line, does not cross the sector from side to side, or cuts it in more than two parts.
    """
    _require_valid(sector, label)
    if line is None or line.is_empty or line.geom_type != "LineString" or line.length <= 0:
        kind = "vide" if line is None or line.is_empty else line.geom_type
        raise InputError(f"La ligne de coupe doit être une ligne (LineString), reçu : {kind}.", field="line")
    cut = _prolong(line, snap_m)  # type: ignore[arg-type]
    label = label[:1].lower() + label[1:]  # « le secteur « Nord » »: the sector's own name keeps its case
    pieces = [p for p in shapely.get_parts(split_geometry(sector, cut)) if p.area > CRUMB_M2]
    if len(pieces) < 2:
        raise InputError(
            f"La ligne ne coupe pas {label} de part en part : tracez-la d'un bord à l'autre du secteur.",
            field="line",
        )
    if len(pieces) > 2:
        raise InputError(
            f"La ligne coupe {label} en {len(pieces)} morceaux : tracez une ligne qui le coupe en deux.",
            field="line",
        )
    a, b = sorted(pieces, key=lambda p: -p.area)
    return SplitResult(kept=a, new=b)


def shared_length(a: BaseGeometry, b: BaseGeometry, *, tolerance_m: float = MERGE_TOLERANCE_M) -> float:
    """Length of boundary ``a`` and ``b`` share (within ``tolerance_m``, for coordinates rounded in storage)."""
    return float(shapely.intersection(a.boundary, shapely.buffer(b, tolerance_m)).length)


def are_neighbours(a: BaseGeometry, b: BaseGeometry, *, min_shared_m: float = MIN_SHARED_M) -> bool:
    """Whether two sectors share a stretch of boundary (touching at one corner is not enough)."""
    return shared_length(a, b) >= min_shared_m


def merge_sectors(a: BaseGeometry, b: BaseGeometry, *, labels: tuple[str, str] = ("S1", "S2")) -> BaseGeometry:
    """One sector from two neighbouring ones (metric CRS).

    Raises
    ------
    InputError
        The two sectors do not share a boundary.
    """
    _require_valid(a, f"Le secteur « {labels[0]} »")
    _require_valid(b, f"Le secteur « {labels[1]} »")
    if not are_neighbours(a, b):
        raise InputError(
            f"Les secteurs « {labels[0]} » et « {labels[1]} » ne sont pas voisins (ils ne partagent aucune "
            "limite) : seuls deux secteurs qui se touchent le long d'une rue ou d'une limite peuvent être fusionnés.",
            field="sectors",
        )
    merged = _clean(shapely.union(a, b))
    parts_before = len(shapely.get_parts(a)) + len(shapely.get_parts(b)) - 1
    if len(shapely.get_parts(merged)) > max(1, parts_before):
        # Hairline gaps left by coordinate rounding: close them without moving the outline.
        eps = MERGE_TOLERANCE_M
        closed = shapely.buffer(shapely.buffer(merged, eps, join_style="mitre"), -eps, join_style="mitre")
        merged = _clean(shapely.union(closed, merged))
    return merged


def move_block(
    block: BaseGeometry,
    source: BaseGeometry,
    target: BaseGeometry,
    *,
    labels: tuple[str, str] = ("source", "cible"),
) -> MoveResult:
    """Move the part of ``block`` lying in ``source`` to the neighbouring sector ``target`` (metric CRS).

    Raises
    ------
    InputError
        The block is not in ``source``, would empty it, or does not touch ``target``.
    """
    _require_valid(source, f"Le secteur « {labels[0]} »")
    _require_valid(target, f"Le secteur « {labels[1]} »")
    block = shapely.make_valid(block) if not block.is_valid else block
    part = _clean(shapely.intersection(source, block))
    if part.is_empty:
        raise InputError(
            f"L'îlot choisi n'est pas dans le secteur « {labels[0]} » : choisissez un îlot de ce secteur.",
            field="block",
        )
    if not are_neighbours(part, target):
        raise InputError(
            f"L'îlot choisi ne touche pas le secteur « {labels[1]} » : un îlot ne peut passer qu'à un secteur voisin.",
            field="block",
        )
    rest = _clean(shapely.difference(source, part))
    if rest.is_empty:
        raise InputError(
            f"L'îlot choisi couvre tout le secteur « {labels[0]} » : fusionnez plutôt les deux secteurs.",
            field="block",
        )
    grown = merge_sectors(target, part, labels=(labels[1], "îlot"))
    return MoveResult(source=rest, target=grown, moved_area_m2=float(part.area))


def pick_block(blocks: np.ndarray, point: BaseGeometry) -> BaseGeometry:
    """The block (from :func:`gis.build_blocks`) covering ``point``, metric CRS."""
    tree = shapely.STRtree(blocks)
    hits = tree.query(point, predicate="intersects")
    if len(hits) == 0:
        raise InputError("Aucun îlot à cet endroit : cliquez à l'intérieur d'un îlot entre les rues.", field="block")
    return blocks[int(np.min(hits))]


__all__ = [
    "LINE_SNAP_M",
    "MIN_SHARED_M",
    "MoveResult",
    "SplitResult",
    "are_neighbours",
    "merge_sectors",
    "move_block",
    "pick_block",
    "polygonal",
    "shared_length",
    "split_sector",
]
