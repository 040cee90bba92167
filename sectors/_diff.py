"""The difference between two sector layouts: areas, households, and the members who would change sector (pure).

The editor shows it before activation; the notifications tell the members listed in
:attr:`LayoutDiff.moved_members` their new sector once the draft is activated.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry


class Change(enum.StrEnum):
    ADDED = "added"
    REMOVED = "removed"
    CHANGED = "changed"
    SAME = "same"


CHANGE_LABELS = {
    Change.ADDED: "nouveau",
    Change.REMOVED: "supprimé",
    Change.CHANGED: "modifié",
    Change.SAME: "inchangé",
}


@dataclass(frozen=True)
class Layout:
    """A sector layout: codes, names and geometries (all in one CRS, metric for areas)."""

    codes: Sequence[str]
    names: Sequence[str]
    geoms: Sequence[BaseGeometry]


@dataclass(frozen=True)
class SectorChange:
    """One sector before and after (``None`` where it does not exist); households are ``None`` without BAN."""

    code: str
    change: Change
    name_before: str | None
    name_after: str | None
    area_before_m2: float | None
    area_after_m2: float | None
    households_before: int | None
    households_after: int | None


@dataclass(frozen=True)
class MovedMember:
    """A member whose sector would change (``None``: outside every sector)."""

    member_id: int
    code_before: str | None
    code_after: str | None


@dataclass(frozen=True)
class LayoutDiff:
    """Per-sector changes (by code) and the members who would change sector."""

    sectors: list[SectorChange]
    moved_members: list[MovedMember]

    @property
    def changed(self) -> list[SectorChange]:
        """The sectors added, removed or changed."""
        return [s for s in self.sectors if s.change != Change.SAME]


def locate_codes(layout: Layout, xy: np.ndarray) -> list[str | None]:
    """The code of the sector covering each point (the smallest code on a shared edge), ``None`` outside."""
    out: list[str | None] = [None] * len(xy)
    if len(xy) == 0 or len(layout.codes) == 0:
        return out
    order = np.argsort(np.asarray(layout.codes, dtype=object))
    geoms = np.asarray(layout.geoms, dtype=object)[order]
    codes = np.asarray(layout.codes, dtype=object)[order]
    tree = shapely.STRtree(geoms)
    pt, sec = tree.query(shapely.points(np.asarray(xy, dtype=float)), predicate="intersects")
    # Smallest code first for each point: query order is not guaranteed.
    for p, s in sorted(zip(pt.tolist(), sec.tolist(), strict=True), reverse=True):
        out[p] = str(codes[s])
    return out


def _counts(layout: Layout, xy: np.ndarray | None) -> dict[str, int] | None:
    if xy is None:
        return None
    counts = dict.fromkeys(layout.codes, 0)
    for code in locate_codes(layout, xy):
        if code is not None:
            counts[code] += 1
    return counts


def diff_layouts(
    before: Layout,
    after: Layout,
    *,
    households_xy: np.ndarray | None = None,
    members: Sequence[tuple[int, float, float, str | None]] = (),
    area_tolerance_m2: float = 1.0,
) -> LayoutDiff:
    """Compare two layouts of the same commune.

    Parameters
    ----------
    before, after
        The active set and the draft, metric CRS.
    households_xy
        ``(n, 2)`` address points in the same CRS (BAN), or ``None`` when none are imported.
    members
        ``(member id, x, y, current sector code)`` of each placed member; the current code is what the member
        holds now (``None`` when unplaced: the point decides).
    area_tolerance_m2
        A sector whose outline moved by less than this (symmetric difference) is unchanged.

    Returns
    -------
    LayoutDiff
        Sectors ordered by code; the members whose sector in ``after`` differs from their current one.
    """
    old = dict(zip(before.codes, zip(before.names, before.geoms, strict=True), strict=True))
    new = dict(zip(after.codes, zip(after.names, after.geoms, strict=True), strict=True))
    hh_old, hh_new = _counts(before, households_xy), _counts(after, households_xy)
    rows = []
    for code in sorted(set(old) | set(new)):
        o, n = old.get(code), new.get(code)
        if o is None:
            change = Change.ADDED
        elif n is None:
            change = Change.REMOVED
        else:
            moved = float(shapely.symmetric_difference(o[1], n[1]).area) if not o[1].equals(n[1]) else 0.0
            change = Change.CHANGED if moved > area_tolerance_m2 or o[0] != n[0] else Change.SAME
        rows.append(
            SectorChange(
                code,
                change,
                o[0] if o else None,
                n[0] if n else None,
                float(o[1].area) if o else None,
                float(n[1].area) if n else None,
                hh_old.get(code) if hh_old is not None and o else None,
                hh_new.get(code) if hh_new is not None and n else None,
            )
        )
    moved_members: list[MovedMember] = []
    if members:
        xy = np.asarray([(x, y) for _, x, y, _ in members], dtype=float)
        was = locate_codes(before, xy)
        now = locate_codes(after, xy)
        for (member_id, _, _, current), located_before, located in zip(members, was, now, strict=True):
            held = current if current is not None else located_before
            if located != held:
                moved_members.append(MovedMember(member_id, held, located))
    return LayoutDiff(rows, moved_members)


__all__ = [
    "CHANGE_LABELS",
    "Change",
    "Layout",
    "LayoutDiff",
    "MovedMember",
    "SectorChange",
    "diff_layouts",
    "locate_codes",
]
