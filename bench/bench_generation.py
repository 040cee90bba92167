"""Sector generation: Orsay (real streets) and synthetic cities of 1,000 / 3,000 / 10,000 blocks.

Ours: :func:`sectors.generate_sectors` (blocks, weights, region growing + diffusion balancing + ejection chains,
names). Baselines, on the same blocks and weights, in the same run: on Orsay, spopt's SKATER (the generic
regionaliser closest to the task: N contiguous regions, here compact on block positions with a floor on block
count) and its Max-p heuristic (regions with a minimum weight; it chooses the number of regions itself); on the
synthetic cities, where SKATER does not finish in minutes, a naive breadth-first filling of one region after
the other (contiguous, fast, unbalanced at the end).
Figures: wall time, and the balance reached (heaviest / lightest sector weight; target <= 1.5).
How time grows with the number of blocks is fitted as ``time ~ blocks^k``.

Targets on the 2-core reference machine: Orsay <= 5 s; 10,000 blocks <= 60 s.
"""

from __future__ import annotations

import heapq
import time
import warnings
from collections.abc import Callable
from typing import TypeVar

import geopandas as gpd
import numpy as np

from bench._harness import BenchContext
from data.synthetic_city import synthetic_city
from gis import block_adjacency, build_blocks, load_streets, to_metric
from sectors import generate_sectors
from sectors._weights import capped_area_weights
from settings import PROJECT_ROOT

SHARED = PROJECT_ROOT.parent / "shared" / "data"
ORSAY_STREETS = SHARED / "osm" / "orsay_91471_highways_subset_2021-03-11.geojson"
ESSONNE = SHARED / "boundaries" / "communes-91-essonne_france-geojson_ign-2018.geojson"
T = TypeVar("T")
SKATER_MAX_BLOCKS = 300  # SKATER on 1,138 blocks ran over 4 minutes without finishing: Orsay only


def _wall(func: Callable[[], T]) -> tuple[float, T]:
    """Wall time of one call, and its result."""
    start = time.perf_counter()
    out = func()
    return time.perf_counter() - start, out


def _skater(blocks: gpd.GeoDataFrame, n: int) -> tuple[float, float]:
    """Time and balance of spopt's SKATER on the same blocks (weights: the same capped-area proxy)."""
    import libpysal
    from spopt.region import Skater

    adj = block_adjacency(blocks)
    weights, _ = capped_area_weights(blocks["area_m2"].to_numpy())
    neighbours: dict[int, list[int]] = {i: [] for i in range(len(blocks))}
    for a, b in zip(adj["a"].tolist(), adj["b"].tolist(), strict=True):
        neighbours[a].append(b)
        neighbours[b].append(a)
    w = libpysal.weights.W(neighbours, silence_warnings=True)
    points = blocks.representative_point()
    frame = gpd.GeoDataFrame({"x": points.x, "y": points.y}, geometry=blocks.geometry)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = Skater(frame, w, attrs_name=["x", "y"], n_clusters=n, floor=max(1, len(blocks) // (2 * n)))
        seconds, _ = _wall(model.solve)
    totals = np.bincount(np.asarray(model.labels_), weights=weights)
    return seconds, float(totals.max() / max(totals.min(), 1e-9))


def _naive(blocks: gpd.GeoDataFrame, n: int) -> tuple[float, float, int]:
    """A naive baseline: fill regions one after the other by breadth-first growth up to the target weight.

    Start from the westernmost free block, take the nearest free neighbours until the region reaches the mean
    weight, then start the next region; pieces left cut off join a neighbouring region. Returns the time, the
    balance of the regions it filled, and the number of regions left empty (it runs out of blocks).
    """
    adj = block_adjacency(blocks)
    weights, _ = capped_area_weights(blocks["area_m2"].to_numpy())
    points = blocks.representative_point()
    xy = np.column_stack([points.x.to_numpy(), points.y.to_numpy()])

    def solve() -> np.ndarray:
        nb = len(blocks)
        nbrs: list[list[int]] = [[] for _ in range(nb)]
        for a, b in zip(adj["a"].tolist(), adj["b"].tolist(), strict=True):
            nbrs[a].append(b)
            nbrs[b].append(a)
        target = weights.sum() / n
        label = np.full(nb, -1)
        order = np.argsort(xy[:, 0], kind="stable").tolist()
        region = 0
        for start in order:
            if label[start] >= 0 or region >= n:
                continue
            heap = [(0.0, start)]
            got = 0.0
            while heap and got < target:
                _, v = heapq.heappop(heap)
                if label[v] >= 0:
                    continue
                label[v] = region
                got += weights[v]
                for m in nbrs[v]:
                    if label[m] < 0:
                        heapq.heappush(heap, (float(np.hypot(*(xy[m] - xy[start]))), m))
            region += 1
        while (label < 0).any():  # leftovers join a labelled neighbour
            for v in np.flatnonzero(label < 0).tolist():
                near = [label[m] for m in nbrs[v] if label[m] >= 0]
                if near:
                    label[v] = min(near)
        return label

    seconds, label = _wall(solve)
    totals = np.bincount(label, weights=weights, minlength=n)
    filled = totals[totals > 0]
    return seconds, float(filled.max() / filled.min()), int((totals == 0).sum())


def _maxp(blocks: gpd.GeoDataFrame, n: int) -> tuple[float, float, int]:
    import libpysal
    from spopt.region import MaxPHeuristic

    adj = block_adjacency(blocks)
    weights, _ = capped_area_weights(blocks["area_m2"].to_numpy())
    neighbours: dict[int, list[int]] = {i: [] for i in range(len(blocks))}
    for a, b in zip(adj["a"].tolist(), adj["b"].tolist(), strict=True):
        neighbours[a].append(b)
        neighbours[b].append(a)
    w = libpysal.weights.W(neighbours, silence_warnings=True)
    points = blocks.representative_point()
    frame = gpd.GeoDataFrame({"x": points.x, "y": points.y, "w": weights}, geometry=blocks.geometry)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = MaxPHeuristic(frame, w, attrs_name=["x", "y"], threshold_name="w", threshold=0.8 * weights.sum() / n)
        seconds, _ = _wall(model.solve)
    labels = np.asarray(model.labels_)
    totals = np.bincount(labels - labels.min(), weights=weights)
    totals = totals[totals > 0]
    return seconds, float(totals.max() / totals.min()), int(model.p)


def _orsay(ctx: BenchContext) -> None:
    if not ORSAY_STREETS.is_file() or not ESSONNE.is_file():
        print(f"(données partagées absentes : {SHARED}) Orsay ignorée")
        return
    communes = gpd.read_file(ESSONNE)
    boundary = communes.loc[communes["code"] == "91471", "geometry"].iloc[0]
    commune = to_metric(boundary, 2154)
    generate_sectors(load_streets(ORSAY_STREETS, boundary, 2154), commune, n_sectors=4)  # warm-up (imports)
    t_load, streets = _wall(lambda: load_streets(ORSAY_STREETS, boundary, 2154))
    blocks = build_blocks(streets, commune)
    print(f"Orsay : {len(streets)} voies, {len(blocks)} îlots")
    for n in (12, len(blocks) // 4):
        t_gen, result = _wall(lambda n=n: generate_sectors(streets, commune, n_sectors=n))  # type: ignore[misc]
        skater_s, skater_ratio = _skater(blocks, n)
        ctx.report(
            f"Orsay N={n}: fichier -> secteurs (lecture {t_load:.2f} s incluse)",
            t_load + t_gen,
            "s",
            baseline=skater_s,
            baseline_name="SKATER seul",
            higher_is_better=False,
            target="<= 5 s",
        )
        ctx.report(f"Orsay N={n}: équilibre max/min (nous)", result.balance, "", target="<= 1.5")
        ctx.report(f"Orsay N={n}: équilibre max/min (spopt SKATER)", skater_ratio, "")
    if not ctx.quick:
        maxp_s, maxp_ratio, p = _maxp(blocks, 12)
        ctx.report(f"Orsay spopt Max-p (seuil 0.8 x cible de N=12) : {p} régions", maxp_s, "s", higher_is_better=False)
        ctx.report("Orsay spopt Max-p : équilibre max/min", maxp_ratio, "")


def _synthetic(ctx: BenchContext) -> None:
    sizes = (1_000, 3_000) if ctx.quick else (1_000, 3_000, 10_000)
    rows: list[tuple[int, float]] = []
    for size in sizes:
        city = synthetic_city(size, seed=1)
        blocks = build_blocks(city.streets, city.boundary)
        nb = len(blocks)
        for label, n in (("N=îlots/10", max(2, nb // 10)), ("N=îlots/4", max(2, nb // 4))):
            t_gen, result = _wall(lambda n=n, c=city: generate_sectors(c.streets, c.boundary, n_sectors=n))  # type: ignore[misc]
            naive_s, naive_ratio, naive_empty = _naive(blocks, n)
            ctx.report(
                f"{nb:,} îlots {label} ({n} secteurs): génération",
                t_gen,
                "s",
                baseline=naive_s,
                baseline_name="remplissage naïf seul",
                higher_is_better=False,
                target="<= 60 s" if size == 10_000 else "",
            )
            ctx.report(f"{nb:,} îlots {label}: équilibre max/min (nous)", result.balance, "", target="<= 1.5")
            ctx.report(
                f"{nb:,} îlots {label}: équilibre max/min (naïf ; {naive_empty} secteurs restés vides)", naive_ratio, ""
            )
            if label == "N=îlots/10":
                rows.append((nb, t_gen))
    if len(rows) >= 2:
        x = np.log([r[0] for r in rows])
        y = np.log([r[1] for r in rows])
        k = float(np.polyfit(x, y, 1)[0])
        ctx.report("croissance du temps : exposant k de temps ~ îlots^k (N=îlots/10)", k, "")


def run(ctx: BenchContext) -> None:
    _orsay(ctx)
    _synthetic(ctx)
