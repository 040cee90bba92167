"""French names for generated sectors, from their main streets, and suggested referent places.

A sector is named after the two named streets with the most length inside it (streets along its edge count
half, since the neighbour shares them): « Secteur rue de Paris – avenue Foch »; without a named street, after
a named place of the OSM extract in it, else its direction from the commune's centre. Names are unique within
the set: a duplicate takes a third street, then a compass hint (« nord », « sud-est »…), then « bis », « ter »…
"""

from __future__ import annotations

import re

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from gis._osm_features import LOCAL_PLACES

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


def _ranked_streets(sector: BaseGeometry, named: gpd.GeoDataFrame, tree: shapely.STRtree) -> list[str]:
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


#: Words that carry no name by themselves: a street called « Rue » or « Chemin 2 » does not name a sector.
_FILLER_WORDS = {"de", "du", "des", "la", "le", "les", "l", "d", "à", "au", "aux", "et", "sans", "nom"}


def is_bare_street_type(name: str) -> bool:
    """Whether ``name`` is only a street type (« Rue », « chemin 2 », « Allée des ») with no proper name."""
    words = re.findall(r"[^\W\d_]+", name.lower())
    return not [w for w in words if w not in _TYPE_WORDS and w not in _FILLER_WORDS]


def _place_for(sector: BaseGeometry, places: gpd.GeoDataFrame, tree: shapely.STRtree) -> str | None:
    """The most local named place lying in ``sector`` (a point inside, or most of a place area), if any."""
    hits = tree.query(sector, predicate="intersects")
    best: tuple[int, float, str] | None = None
    for i in hits.tolist():
        geom = places.geometry.iloc[i]
        kind = str(places["place"].iloc[i])
        if kind not in LOCAL_PLACES:
            continue
        if geom.geom_type == "Point":
            share = 1.0
        else:
            inside = shapely.intersection(geom, sector).area
            # A place area counts when most of it lies in the sector, or it covers most of the sector.
            share = max(inside / geom.area if geom.area else 0.0, inside / sector.area if sector.area else 0.0)
            if share < 0.5:
                continue
        key = (LOCAL_PLACES.index(kind), -share, str(places["name"].iloc[i]))
        if best is None or key < best:
            best = key
    return best[2] if best is not None else None


def _direction(point: shapely.Point, centre: shapely.Point, radius: float) -> str:
    """« centre » near the commune's centre, else the compass direction from it."""
    if radius > 0 and point.distance(centre) < 0.2 * radius:
        return "centre"
    return _compass(point, centre)


def sector_names(
    sectors: gpd.GeoSeries,
    streets: gpd.GeoDataFrame,
    *,
    places: gpd.GeoDataFrame | None = None,
    boundary: BaseGeometry | None = None,
) -> list[str]:
    """A unique French name for each sector, after what a resident would recognise.

    In order: its main named streets (« Secteur rue A – rue B »); else a named place of the OSM extract lying
    in it (``place=*``: hamlet, neighbourhood, locality…: « Secteur Mondétour »); else its direction from the
    commune's centre (« Secteur nord-est », « Secteur centre »). A street type alone (« rue ») never names a
    sector. Duplicates take one more street, then a direction within their group.

    Parameters
    ----------
    sectors
        Sector polygons, metric CRS.
    streets
        Canonical street frame (column ``name``), same CRS.
    places
        Named places (columns ``name``, ``place``; :func:`gis.load_osm_features`), same CRS, optional.
    boundary
        The commune, for the directions (default: the union of the sectors).

    Returns
    -------
    list of str
        Unique names.
    """
    named = streets[
        streets["highway"].isin(NAMING_HIGHWAYS)
        & streets["name"].notna()
        & (streets["name"].astype(str).str.strip() != "")
    ]
    named = named.assign(name=[street_label(str(n)) for n in named["name"]])
    named = named.loc[np.asarray([not is_bare_street_type(n) for n in named["name"]], dtype=bool)]
    geoms = list(sectors.array)
    tree = shapely.STRtree(np.asarray(named.geometry.array))
    ranked = [_ranked_streets(g, named, tree) for g in geoms]
    depth = [2] * len(geoms)
    area = shapely.union_all(geoms) if boundary is None else boundary
    centre = area.centroid if not area.is_empty else shapely.Point(0, 0)
    radius = float(np.sqrt(area.area / np.pi)) if not area.is_empty else 0.0
    fallback: list[str] = []
    place_tree = shapely.STRtree(np.asarray(places.geometry.array)) if places is not None and len(places) else None
    for g, streets_of in zip(geoms, ranked, strict=True):
        found = (
            _place_for(g, places, place_tree)
            if place_tree is not None and places is not None and not streets_of
            else None
        )
        fallback.append(found or _direction(g.representative_point(), centre, radius))

    def make(i: int) -> str:
        picked = ranked[i][: depth[i]]
        return "Secteur " + _DASH.join(picked) if picked else f"Secteur {fallback[i]}"

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
    # Still duplicated: a direction within the group (« nord », « sud-est »…), then a count.
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
        out.append(nm if seen[nm] == 1 else f"{nm}, {_ORDINALS[min(seen[nm], len(_ORDINALS)) - 1]}")
    return out


#: Last resort for names still alike: « Secteur nord (est), bis ».
_ORDINALS = ("", "bis", "ter", "quater", "quinquies", "sexies", "septies", "octies", "nonies", "decies")


def elongation(geom: BaseGeometry) -> float:
    """Length over width of the minimum rotated rectangle (1 for a square)."""
    rect = shapely.minimum_rotated_rectangle(geom)
    coords = np.asarray(rect.exterior.coords) if rect.geom_type == "Polygon" else np.zeros((3, 2))  # type: ignore[attr-defined]
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


__all__ = [
    "NAMING_HIGHWAYS",
    "elongation",
    "is_bare_street_type",
    "sector_names",
    "street_label",
    "suggested_referents",
]
