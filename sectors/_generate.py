"""Sector generation: streets → blocks → balanced, contiguous, named sectors (a draft set).

:func:`generate_sectors` is pure (frames in, frames out); the CLI reads the files and stores the result.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from gis import InputError
from gis._blocks import (
    BARRIER_RAILWAYS,
    BARRIER_WATERWAYS,
    DRIVABLE_HIGHWAYS,
    barrier_lines,
    block_adjacency,
    build_blocks,
)
from sectors._naming import sector_names, suggested_referents
from sectors._regions import Graph, PartitionError, partition
from sectors._weights import address_counts, building_weights, capped_area_weights

Progress = Callable[[str, float], None]

#: How strongly a shared block edge holds two blocks together, by what runs along it. Lower = a better cut.
#: Keys: street class rank (see :func:`barrier_rank`).
AFFINITY_BY_RANK: dict[int, float] = {0: 1.0, 1: 0.6, 2: 0.35, 3: 0.2, 4: 0.1, 5: 0.05}
_RANK_BY_HIGHWAY = {
    "motorway": 4,
    "motorway_link": 4,
    "trunk": 4,
    "trunk_link": 4,
    "primary": 3,
    "primary_link": 3,
    "secondary": 2,
    "secondary_link": 2,
    "tertiary": 1,
    "tertiary_link": 1,
}
#: The balance the generator guarantees when there are at least this many blocks per sector.
BALANCE_RATIO = 1.5
BLOCKS_PER_SECTOR_FOR_BALANCE = 4


def barrier_rank(kind: str, highway: str | None) -> int:
    """How major a barrier is: 5 railway or river, 4 motorway/trunk, 3 primary, 2 secondary, 1 tertiary, 0 else."""
    if kind in ("railway", "waterway"):
        return 5
    return _RANK_BY_HIGHWAY.get(highway or "", 0)


@dataclass
class GeneratedSectors:
    """A generated draft sector set, in the commune's metric CRS.

    Attributes
    ----------
    sectors
        One row per sector: ``code`` (S001…), ``name``, ``referents``, ``weight`` (households or proxy),
        ``blocks`` (number of blocks), ``area_m2``, single ``Polygon`` geometry.
    blocks
        One row per block: ``weight``, ``sector`` (code), geometry.
    weight_kind
        ``"adresses"`` (BAN points counted), ``"bâtiments"`` (OSM building footprints, m²) or
        ``"surface plafonnée"`` (the proxy).
    warnings
        French notes for the user (e.g. a balance weaker than asked because sectors are too many).
    """

    sectors: gpd.GeoDataFrame
    blocks: gpd.GeoDataFrame
    weight_kind: str
    warnings: list[str] = field(default_factory=list)

    @property
    def balance(self) -> float:
        """Heaviest sector weight over the lightest (``inf`` when one weighs nothing)."""
        w = self.sectors["weight"].to_numpy(dtype=float)
        return float("inf") if w.min() <= 0 else float(w.max() / w.min())


def _edge_affinity(adjacency: pd.DataFrame, barriers: gpd.GeoDataFrame) -> np.ndarray:
    """Affinity of each block pair: shared length times the factor of the strongest barrier along it."""
    if adjacency.empty:
        return np.zeros(0)
    ranks = np.asarray(
        [barrier_rank(k, h) for k, h in zip(barriers["kind"], barriers["highway"], strict=True)], dtype=np.int64
    )
    mids = shapely.points(adjacency["mid_x"].to_numpy(), adjacency["mid_y"].to_numpy())
    # Index single segments, not whole ways: a long way's box covers half the town and slows the search.
    coords, line_of = shapely.get_coordinates(np.asarray(barriers.geometry.array), return_index=True)
    same = line_of[1:] == line_of[:-1]
    starts, ends = coords[:-1][same], coords[1:][same]
    segments = shapely.linestrings(np.stack([starts, ends], axis=1))
    tree = shapely.STRtree(segments)  # type: ignore[arg-type]
    edge_idx, seg_idx = tree.query_nearest(mids, max_distance=2.0, all_matches=True)
    rank = np.zeros(len(adjacency), dtype=np.int64)
    np.maximum.at(rank, edge_idx, ranks[line_of[:-1][same][seg_idx]])
    factor = np.vectorize(AFFINITY_BY_RANK.get)(rank).astype(float)
    return adjacency["length"].to_numpy() * factor


def _sector_codes(geoms: list[BaseGeometry], n: int) -> list[int]:
    """Reading order of the sectors: in rows from north to south, west to east within a row."""
    points = shapely.point_on_surface(np.asarray(geoms, dtype=object))
    x, y = shapely.get_x(points), shapely.get_y(points)
    rows = max(1, round(np.sqrt(n)))
    span = (y.max() - y.min()) or 1.0
    row = np.minimum(((y.max() - y) / span * rows).astype(int), rows - 1)
    return np.lexsort((np.round(x, 3), row)).tolist()


def generate_sectors(
    streets: gpd.GeoDataFrame,
    boundary: BaseGeometry,
    *,
    n_sectors: int | None = None,
    households_per_sector: float | None = None,
    address_lonlat: np.ndarray | None = None,
    highways: Iterable[str] = DRIVABLE_HIGHWAYS,
    railways: Iterable[str] = BARRIER_RAILWAYS,
    waterways: Iterable[str] = BARRIER_WATERWAYS,
    area_cap_m2: float | None = None,
    places: gpd.GeoDataFrame | None = None,
    buildings: gpd.GeoDataFrame | None = None,
    progress: Progress | None = None,
) -> GeneratedSectors:
    """Cut a commune into contiguous sectors of balanced household weight, along its streets.

    Parameters
    ----------
    streets
        Canonical street frame (:func:`gis.load_streets`) in the commune's metric CRS.
    boundary
        The commune's (Multi)Polygon in the same CRS.
    n_sectors, households_per_sector
        Exactly one: the number of sectors, or the households wanted per sector (needs addresses).
    address_lonlat
        BAN address points (``(m, 2)`` lon/lat, :func:`gis.read_address_points`); without them the weights
        are the capped-area proxy (see :mod:`sectors._weights`).
    highways, railways, waterways
        OSM values acting as block barriers.
    area_cap_m2
        Cap of the area proxy (default: the median block area).
    places, buildings
        Named places and building footprints of the OSM extract (:func:`gis.load_osm_features`), same CRS,
        optional: places name sectors without named streets; without addresses, buildings weigh the blocks.
    progress
        Optional callback ``(step name, fraction done)``.

    Returns
    -------
    GeneratedSectors
        The draft set (not stored).

    Raises
    ------
    InputError
        Bad parameters (both or neither of N/H, N < 1, N above the number of blocks, H without addresses),
        streets that do not cut the commune, addresses outside it.
    """

    def tick(step: str, frac: float) -> None:
        if progress is not None:
            progress(step, frac)

    if (n_sectors is None) == (households_per_sector is None):
        raise InputError(
            "Indiquez soit le nombre de secteurs (--sectors), soit le nombre de foyers par secteur "
            "(--households-per-sector), pas les deux."
        )
    if n_sectors is not None and n_sectors < 1:
        raise InputError(f"Le nombre de secteurs doit être au moins 1 (reçu : {n_sectors}).")
    if households_per_sector is not None:
        if households_per_sector <= 0:
            raise InputError(f"Le nombre de foyers par secteur doit être positif (reçu : {households_per_sector:g}).")
        if address_lonlat is None:
            raise InputError(
                "--households-per-sector compte les foyers par les adresses : fournissez le fichier BAN de la "
                "commune avec --addresses, ou choisissez un nombre de secteurs avec --sectors."
            )
    tick("îlots", 0.0)
    blocks = build_blocks(streets, boundary, highways=highways, railways=railways, waterways=waterways)
    if address_lonlat is not None:
        weights = address_counts(blocks, address_lonlat)
        if weights.sum() <= 0:
            raise InputError(
                f"Aucune des {len(address_lonlat)} adresses du fichier ne se trouve dans la commune : vérifiez "
                "qu'il s'agit du fichier BAN de cette commune (coordonnées lon/lat en WGS84)."
            )
        kind = "adresses"
    elif buildings is not None and len(buildings):
        weights = building_weights(blocks, buildings, area_cap_m2)
        kind = "bâtiments"
    else:
        weights, _ = capped_area_weights(blocks["area_m2"].to_numpy(), area_cap_m2)
        kind = "surface plafonnée"
    total = float(weights.sum())
    n = n_sectors if n_sectors is not None else max(1, round(total / float(households_per_sector)))  # type: ignore[arg-type]
    if n > len(blocks):
        raise InputError(
            f"{n} secteurs demandés, mais la commune ne compte que {len(blocks)} îlots entre ses rues : "
            f"demandez au plus {len(blocks)} secteurs (au plus {len(blocks) // BLOCKS_PER_SECTOR_FOR_BALANCE} "
            "pour des secteurs bien équilibrés)."
        )
    warnings: list[str] = []
    if n * BLOCKS_PER_SECTOR_FOR_BALANCE > len(blocks):
        warnings.append(
            f"{n} secteurs pour {len(blocks)} îlots : moins de {BLOCKS_PER_SECTOR_FOR_BALANCE} îlots par secteur, "
            "l'équilibre des foyers n'est pas garanti."
        )
    tick("voisinages", 0.2)
    adjacency = block_adjacency(blocks)
    barriers = barrier_lines(streets, highways=highways, railways=railways, waterways=waterways)
    affinity = _edge_affinity(adjacency, barriers)
    reps = shapely.point_on_surface(np.asarray(blocks.geometry.array))
    graph = Graph(
        weights=weights,
        xy=np.column_stack([shapely.get_x(reps), shapely.get_y(reps)]),
        edge_a=adjacency["a"].to_numpy(),
        edge_b=adjacency["b"].to_numpy(),
        affinity=np.maximum(affinity, 1e-6),
    )
    try:
        assign = partition(graph, n, max_ratio=BALANCE_RATIO, progress=lambda s, f: tick(s, 0.3 + 0.5 * f))
    except PartitionError as exc:
        raise InputError(f"Découpage impossible : {exc}.") from exc
    tick("contours", 0.8)
    geoms = []
    for r in range(n):
        parts = np.asarray(blocks.geometry.array)[assign == r]
        merged = shapely.coverage_union_all(parts)
        if merged.geom_type != "Polygon":
            merged = shapely.union_all(parts)  # coverage union assumes exact shared edges
        geoms.append(merged)
    order = _sector_codes(geoms, n)
    region_w = np.bincount(assign, weights=weights, minlength=n)
    region_n = np.bincount(assign, minlength=n)
    geoms = [geoms[r] for r in order]
    gseries = gpd.GeoSeries(geoms, crs=blocks.crs)
    tick("noms", 0.9)
    names = sector_names(gseries, streets, places=places, boundary=boundary)
    referents = suggested_referents(gseries, region_w[order])
    codes = [f"S{i + 1:03d}" for i in range(n)]  # the store's format (sectors._sets._new_codes)
    sectors = gpd.GeoDataFrame(
        {
            "code": codes,
            "name": names,
            "referents": referents,
            "weight": region_w[order],
            "blocks": region_n[order],
            "area_m2": shapely.area(np.asarray(geoms, dtype=object)),
        },
        geometry=gseries,
        crs=blocks.crs,
    )
    rank_of = np.empty(n, dtype=np.int64)
    rank_of[order] = np.arange(n)
    blocks = blocks.assign(weight=weights, sector=[codes[i] for i in rank_of[assign]])
    result = GeneratedSectors(sectors=sectors, blocks=blocks, weight_kind=kind, warnings=warnings)
    if result.balance > BALANCE_RATIO:
        heaviest = float(weights.max())
        warnings.append(
            f"Le secteur le plus chargé pèse {result.balance:.2f} fois le plus léger (objectif : "
            f"{BALANCE_RATIO:g}). Le plus gros îlot compte à lui seul {heaviest:,.0f} sur une cible de "
            f"{total / n:,.0f} par secteur : demandez moins de secteurs, ou retouchez le brouillon."
        )
    tick("fini", 1.0)
    return result


__all__ = ["AFFINITY_BY_RANK", "BALANCE_RATIO", "GeneratedSectors", "barrier_rank", "generate_sectors"]
