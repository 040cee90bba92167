"""The rules a sector set must follow, checked in the commune's metric CRS (pure functions).

- every sector lies within its commune (tolerance in metres);
- sectors do not overlap (tolerance in square metres); each offending pair is listed with its overlap area;
- the parts of the commune no sector covers are reported (a warning, not a refusal) with their area.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry


@dataclass(frozen=True)
class Overlap:
    first: str
    second: str
    area_m2: float


@dataclass
class RuleReport:
    """Outcome of :func:`check_rules`: ``problems`` refuse the set; the rest informs."""

    problems: list[str] = field(default_factory=list)
    overlaps: list[Overlap] = field(default_factory=list)
    outside: dict[str, float] = field(default_factory=dict)
    uncovered_area_m2: float = 0.0
    uncovered_parts: int = 0
    commune_area_m2: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def uncovered_share(self) -> float:
        return self.uncovered_area_m2 / self.commune_area_m2 if self.commune_area_m2 else 0.0

    def summary(self) -> str:
        """One French sentence on coverage."""
        if self.uncovered_area_m2 < 1:
            return "Les secteurs couvrent toute la commune."
        return (
            f"Partie de la commune couverte par aucun secteur : {self.uncovered_area_m2:,.0f} m² "
            f"({100 * self.uncovered_share:.1f} %) en {self.uncovered_parts} morceau(x)."
        ).replace(",", " ")


def _fmt_area(m2: float) -> str:
    return f"{m2:,.0f} m²".replace(",", " ") if m2 >= 1 else f"{m2:.2f} m²"


def check_rules(
    names: Sequence[str],
    sectors_m: Sequence[BaseGeometry],
    commune_m: BaseGeometry,
    *,
    within_tolerance_m: float = 1.0,
    overlap_tolerance_m2: float = 1.0,
) -> RuleReport:
    """Check a sector set against its commune; geometries must be in the commune's metric CRS.

    Parameters
    ----------
    names : sequence of str
        Sector names, for the messages.
    sectors_m : sequence of shapely geometries
        Valid (Multi)Polygons in metres.
    commune_m : shapely geometry
        The commune boundary in the same CRS.
    within_tolerance_m, overlap_tolerance_m2 : float
        Tolerances (settings ``within_tolerance_m`` and ``overlap_tolerance_m2``).
    """
    report = RuleReport(commune_area_m2=float(commune_m.area))
    geoms = np.asarray(sectors_m, dtype=object)
    # Within the commune, with a tolerance band around its limit.
    allowed = shapely.buffer(commune_m, within_tolerance_m) if within_tolerance_m > 0 else commune_m
    shapely.prepare(allowed)
    inside = shapely.covers(allowed, geoms)
    for i in np.flatnonzero(~inside):
        excess = float(shapely.difference(geoms[i], commune_m).area)
        report.outside[names[i]] = excess  # type: ignore[call-overload]
        report.problems.append(
            f"Le secteur « {names[i]} » déborde de la commune ({_fmt_area(excess)} hors limites, tolérance "  # type: ignore[call-overload]
            f"{within_tolerance_m:g} m)."
        )
    # Pairwise overlaps through a spatial index; neighbours that only touch (most pairs of a partition) are
    # dropped by a cheap predicate (interiors intersect: DE-9IM "T********") before any intersection is built.
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="intersects")
    keep = left < right
    left, right = left[keep], right[keep]
    inner = shapely.relate_pattern(geoms[left], geoms[right], "T********")
    left, right = left[inner], right[inner]
    if len(left):
        areas = shapely.area(shapely.intersection(geoms[left], geoms[right]))
        for i, j, a in zip(left, right, areas, strict=True):
            if a > overlap_tolerance_m2:
                report.overlaps.append(Overlap(names[i], names[j], float(a)))
                report.problems.append(
                    f"Les secteurs « {names[i]} » et « {names[j]} » se chevauchent sur {_fmt_area(float(a))} "
                    f"(tolérance {overlap_tolerance_m2:g} m²)."
                )
    # Coverage.
    union = shapely.union_all(geoms) if len(geoms) else shapely.Polygon()
    gap = shapely.difference(commune_m, union)
    parts = [p for p in shapely.get_parts(gap) if p.area >= 1.0]
    report.uncovered_area_m2 = float(sum(p.area for p in parts))
    report.uncovered_parts = len(parts)
    return report
