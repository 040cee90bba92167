"""French names for generated sectors, from their main streets, and suggested referent places.

A sector is named after the two named streets with the most length inside it (streets along its edge count
half, since the neighbour shares them): « Secteur rue de Paris – avenue Foch ». Names are unique within the
set: a duplicate takes a third street, then a compass hint (« nord », « sud-est »…), then a number.
"""

from __future__ import annotations

import re

import geopandas as gpd
import numpy as np
import shapely

#: Street-type words written in lower case inside a sector name (« Rue de Paris » → « rue de Paris »).
_TYPE_WORDS = {
    "allée",
    "avenue",
    "boulevard",
    "chemin",
    "cité",
    "clos",
    "cour",
    "cours",
    "square",
    "impasse",
    "mail",
    "passage",
    "place",
    "promenade",
    "quai",
    "route",
    "rue",
    "ruelle",
    "résidence",
    "rond-point",
    "sente",
    "sentier",
    "voie",
    "hameau",
    "parvis",
    "esplanade",
}
_DASH = " – "
_EDGE_BAND_M = 12.0


def street_label(name: str) -> str:
    """A street name as written inside a sentence: the leading type word in lower case."""
    name = re.sub(r"\s+", " ", name.strip())
    first, _, rest = name.partition(" ")
    if first.lower() in _TYPE_WORDS:
        return first.lower() + (" " + rest if rest else "")
    return name


def _ranked_streets(sector: shapely.Geometry, named: gpd.GeoDataFrame, tree: shapely.STRtree) -> list[str]:
    """Named streets of one sector, by length inside it (edge length counted half)."""
    hits = tree.query(sector.buffer(_EDGE_BAND_M))
    if len(hits) == 0:
        return []
    inner = sector.buffer(-_EDGE_BAND_M)
    near = sector.buffer(_EDGE_BAND_M)
    lines = np.asarray(named.geometry.array)[hits]
    names = named["name"].to_numpy()[hits]
    inside = shapely.length(shapely.intersection(lines, inner)) if not inner.is_empty else np.zeros(len(hits))
    band = shapely.length(shapely.intersection(lines, near)) - inside
    score: dict[str, float] = {}
    for label, a, b in zip(names.tolist(), inside.tolist(), band.tolist(), strict=True):
        score[label] = score.get(label, 0.0) + a + 0.5 * b
    ranked = sorted((s for s in score.items() if s[1] > 1.0), key=lambda kv: (-kv[1], kv[0]))
    return [label for label, _ in ranked]


def _compass(point: shapely.Point, centre: shapely.Point) -> str:
    dx, dy = point.x - centre.x, point.y - centre.y
    angle = (np.degrees(np.arctan2(dy, dx)) + 360) % 360
    words = ["est", "nord-est", "nord", "nord-ouest", "ouest", "sud-ouest", "sud", "sud-est"]
    return words[int(((angle + 22.5) % 360) // 45)]


#: Ways whose names may name a sector: streets people live on (not cycle paths, bus lanes or footpaths).
NAMING_HIGHWAYS: tuple[str, ...] = (
    "primary",
    "secondary",
    "tertiary",
    "unclassified",
    "residential",
    "living_street",
    "pedestrian",
    "trunk",
)


def sector_names(sectors: gpd.GeoSeries, streets: gpd.GeoDataFrame) -> list[str]:
    """A unique French name for each sector, from its main streets.

    Parameters
    ----------
    sectors
        Sector polygons, metric CRS.
    streets
        Canonical street frame (column ``name``), same CRS.

    Returns
    -------
    list of str
        « Secteur rue A – rue B », unique within the list.
    """
    named = streets[
        streets["highway"].isin(NAMING_HIGHWAYS)
        & streets["name"].notna()
        & (streets["name"].astype(str).str.strip() != "")
    ]
    named = named.assign(name=[street_label(str(n)) for n in named["name"]])
    geoms = list(sectors.array)
    tree = shapely.STRtree(np.asarray(named.geometry.array))
    ranked = [_ranked_streets(g, named, tree) for g in geoms]
    depth = [2] * len(geoms)

    def make(i: int) -> str:
        picked = ranked[i][: depth[i]]
        return "Secteur " + _DASH.join(picked) if picked else f"Secteur {i + 1}"

    names = [make(i) for i in range(len(geoms))]

    def same_streets(i: int) -> frozenset[str]:
        # « rue A – rue B » and « rue B – rue A » would read as the same sector.
        return frozenset(ranked[i][: depth[i]]) if ranked[i] else frozenset({names[i]})

    # A duplicate takes one more street when it has one.
    for _ in range(3):
        groups: dict[frozenset[str], list[int]] = {}
        for i in range(len(geoms)):
            groups.setdefault(same_streets(i), []).append(i)
        dupes = [ids for ids in groups.values() if len(ids) > 1]
        if not dupes:
            return names
        for ids in dupes:
            for i in ids:
                if len(ranked[i]) > depth[i]:
                    depth[i] += 1
                    names[i] = make(i)
    # Still duplicated: a compass hint within the group (« nord », « sud-est »…), then a number.
    by_streets: dict[frozenset[str], list[int]] = {}
    for i in range(len(geoms)):
        by_streets.setdefault(same_streets(i), []).append(i)
    for ids in by_streets.values():
        if len(ids) == 1:
            continue
        local = shapely.centroid(shapely.union_all([geoms[i] for i in ids]))
        for i in ids:
            names[i] = f"{names[i]} ({_compass(geoms[i].representative_point(), local)})"
    seen: dict[str, int] = {}
    out = []
    for nm in names:
        seen[nm] = seen.get(nm, 0) + 1
        out.append(nm if seen[nm] == 1 else f"{nm} {seen[nm]}")
    return out


def elongation(geom: shapely.Geometry) -> float:
    """Length over width of the minimum rotated rectangle (1 for a square)."""
    rect = shapely.minimum_rotated_rectangle(geom)
    coords = np.asarray(rect.exterior.coords) if rect.geom_type == "Polygon" else np.zeros((3, 2))
    sides = np.hypot(*np.diff(coords[:3], axis=0).T)
    short = float(sides.min())
    return float(sides.max() / short) if short > 0 else float("inf")


def suggested_referents(
    sectors: gpd.GeoSeries,
    weights: np.ndarray,
    *,
    large_area: float = 2.0,
    large_weight: float = 1.5,
    elongated: float = 3.0,
) -> list[int]:
    """Suggested referent places: 2 per sector, 3 for a large or elongated one.

    A sector is *large* when its area exceeds ``large_area`` times the median sector area, or its weight
    exceeds ``large_weight`` times the median weight (households); *elongated* when its minimum rotated
    rectangle is more than ``elongated`` times longer than wide. In both cases one pair of referents cannot
    easily cover it on foot.
    """
    areas = shapely.area(np.asarray(sectors.array))
    w = np.asarray(weights, dtype=float)
    med_area = float(np.median(areas)) if len(areas) else 0.0
    med_w = float(np.median(w)) if len(w) else 0.0
    out = []
    for geom, area, weight in zip(sectors.array, areas, w, strict=True):
        big = area > large_area * med_area or (med_w > 0 and weight > large_weight * med_w)
        out.append(3 if big or elongation(geom) > elongated else 2)
    return out


__all__ = ["NAMING_HIGHWAYS", "elongation", "sector_names", "street_label", "suggested_referents"]
