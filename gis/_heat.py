"""Heat binning: count points per square or hexagonal cell of a metric CRS, vectorised with numpy.

The cells are defined in the commune's metric CRS (Lambert-93, EPSG:2154, in metropolitan France), anchored on
the CRS origin so that the same point always falls in the same cell, whatever the other points:

- square cells of side ``cell``: cell ``(i, j)`` covers ``[i*cell, (i+1)*cell) x [j*cell, (j+1)*cell)``;
- hexagonal cells (flat-topped) of circumradius ``cell``, indexed by axial coordinates ``(q, r)``, centre at
  ``(1.5*cell*q, sqrt(3)*cell*(r + q/2))``.

A point's hexagon is the Voronoi cell of the nearest centre. The centres are the union of two rectangular
lattices of spacing ``w = 3*cell`` by ``h = sqrt(3)*cell``: A at ``(i*w, j*h)`` (even ``q``) and B at
``((i+0.5)*w, (j+0.5)*h)`` (odd ``q``), so the hexagon is the nearer of the nearest A and the nearest B
centre. :func:`hex_keys` computes, per point, three keys with a handful of float operations; the SQL version
in ``stats`` computes the very same keys with the same operations in the same order (:func:`hex_steps`
gives both the same constants), groups by them, and both turn keys into hexagons with :func:`hex_from_keys`:
so both backends agree bit for bit, ties on edges and vertices included.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import shapely
from pyproj import Transformer

from gis._crs import require_metric
from gis._errors import InputError

SQUARE = "square"
HEX = "hex"
SHAPES = (SQUARE, HEX)


@dataclass(frozen=True)
class HeatBins:
    """Counts per cell. ``i``/``j`` are the square indices, or the axial ``q``/``r`` of hexagons."""

    shape: str
    cell_m: float
    crs: int
    i: np.ndarray
    j: np.ndarray
    count: np.ndarray

    def __len__(self) -> int:
        return len(self.count)

    def as_dict(self) -> dict[tuple[int, int], int]:
        """``{(i, j): count}``: handy to compare two binnings."""
        return {(int(a), int(b)): int(c) for a, b, c in zip(self.i, self.j, self.count, strict=True)}

    def at_least(self, min_count: int) -> HeatBins:
        """Only the cells holding at least ``min_count`` points (what non-staff roles may see)."""
        keep = self.count >= min_count
        return HeatBins(self.shape, self.cell_m, self.crs, self.i[keep], self.j[keep], self.count[keep])

    def polygons(self, to_crs: int | None = 4326) -> np.ndarray:
        """The cells as shapely polygons (array), in ``to_crs`` (None: the metric CRS)."""
        polys = cell_polygons(self.shape, self.cell_m, self.i, self.j)
        if to_crs is None or to_crs == self.crs or len(polys) == 0:
            return polys
        transformer = _transformer(self.crs, to_crs)
        return shapely.transform(polys, lambda xy: np.column_stack(transformer.transform(xy[:, 0], xy[:, 1])))


@lru_cache(maxsize=16)
def _transformer(src: int, dst: int) -> Transformer:
    return Transformer.from_crs(src, dst, always_xy=True)


def _check(shape: str, cell_m: float) -> None:
    problems = []
    if shape not in SHAPES:
        problems.append(f"forme « {shape} » inconnue : choisissez {' ou '.join(SHAPES)}")
    if not (cell_m > 0 and math.isfinite(cell_m)):
        problems.append(f"taille de cellule {cell_m} : il faut un nombre de mètres positif")
    if problems:
        raise InputError("Paramètres de la carte de chaleur invalides.", problems)


def hex_steps(cell_m: float) -> tuple[float, float, float, float]:
    """The spacings ``(w, h, w/2, h/2)`` of the two rectangular lattices of hexagon centres (metres).

    ``w = 3*cell_m`` along x, ``h = sqrt(3)*cell_m`` along y; the halves are exact (a division by 2).

    Parameters
    ----------
    cell_m
        Hexagon circumradius in metres.

    Returns
    -------
    tuple of float
        ``(w, h, w/2, h/2)``, the constants :func:`hex_keys` and the SQL of ``stats`` divide by.
    """
    w = 3.0 * cell_m
    h = math.sqrt(3.0) * cell_m
    return w, h, w / 2.0, h / 2.0


def hex_keys(x: np.ndarray, y: np.ndarray, cell_m: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The three keys ``(m, n, a)`` that decide which hexagon of circumradius ``cell_m`` holds each point.

    ``m = floor(x / (w/2))`` and ``n = floor(y / (h/2))`` locate the point in a quarter of a lattice
    rectangle (so both the nearest A and the nearest B centre are known); ``a`` says that the nearest A
    centre is at least as near as the nearest B one. With ``u = x/w`` and ``v = y/h`` the A centre is at
    distance ``du = |u - rint(u)|``, ``dv = |v - rint(v)|`` (lattice units) and the B centre at
    ``0.5 - du``, ``0.5 - dv``; comparing ``9*du² + 3*dv²`` (squared metres over ``cell_m²``) gives
    ``3*du + dv <= 1``. The SQL of ``stats`` repeats these operations exactly (keep them in step).

    Parameters
    ----------
    x, y
        Coordinates in metres (float arrays).
    cell_m
        Hexagon circumradius in metres.

    Returns
    -------
    tuple of np.ndarray
        ``m`` and ``n`` (int64) and ``a`` (bool), one of each per point.
    """
    w, h, w2, h2 = hex_steps(cell_m)
    u = x / w
    v = y / h
    a = 3.0 * np.abs(u - np.rint(u)) + np.abs(v - np.rint(v)) <= 1.0
    return np.floor(x / w2).astype(np.int64), np.floor(y / h2).astype(np.int64), a


def hex_from_keys(m: np.ndarray, n: np.ndarray, a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Axial ``(q, r)`` of the hexagons given by :func:`hex_keys` (integers in, integers out).

    A centre ``(i*w, j*h)`` is hexagon ``q = 2i, r = j - i``; B centre ``((i+0.5)*w, (j+0.5)*h)`` is
    ``q = 2i + 1, r = j - i``. In the quarter ``(m, n)`` the A candidate is ``i = (m+1) // 2`` (rounding
    ``u`` half up: when ``u`` is exactly half-way the B centre is nearer, so this never differs from
    ``rint`` where it matters) and the B candidate ``i = m // 2``; the same for ``j`` with ``n``.

    Parameters
    ----------
    m, n, a
        The keys of :func:`hex_keys` (or of the SQL ``GROUP BY``), as arrays of the same length.

    Returns
    -------
    tuple of np.ndarray
        ``q`` and ``r`` (int64), the axial coordinates used by :class:`HeatBins` and :func:`cell_polygons`.
    """
    m = np.asarray(m, dtype=np.int64)
    n = np.asarray(n, dtype=np.int64)
    a = np.asarray(a, dtype=bool)
    i = np.where(a, (m + 1) >> 1, m >> 1)
    j = np.where(a, (n + 1) >> 1, n >> 1)
    return 2 * i + (~a).astype(np.int64), j - i


def hex_axial(x: np.ndarray, y: np.ndarray, cell_m: float) -> tuple[np.ndarray, np.ndarray]:
    """Axial coordinates ``(q, r)`` of the flat-topped hexagons of circumradius ``cell_m`` holding the points."""
    return hex_from_keys(*hex_keys(np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64), cell_m))


def _count_pairs(
    a: np.ndarray, b: np.ndarray, weights: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    if len(a) == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty
    amin, bmin = a.min(), b.min()
    na, nb = int(a.max() - amin + 1), int(b.max() - bmin + 1)
    if na * nb <= 4 * len(a) + 1_000_000:
        # Dense enough: one O(n) bincount over the bounding block of cells.
        counts = np.bincount((a - amin) * nb + (b - bmin), weights=weights, minlength=na * nb)
        nz = np.flatnonzero(counts)
        return nz // nb + amin, nz % nb + bmin, counts[nz].astype(np.int64)
    keys, inverse = np.unique((a - amin) * nb + (b - bmin), return_inverse=True)
    counts = np.bincount(inverse.ravel(), weights=weights, minlength=len(keys))
    return keys // nb + amin, keys % nb + bmin, counts.astype(np.int64)


def heat_bins(
    shape: str, cell_m: float, crs: int, a: np.ndarray, b: np.ndarray, counts: np.ndarray | None = None
) -> HeatBins:
    """The :class:`HeatBins` of cell indices ``(a, b)``, one per point or with ``counts`` points each.

    Repeated cells are summed and the result sorted by ``(i, j)``: what a database's ``GROUP BY`` returns
    is finished here (its groups may map several to one cell, as the hexagon keys do).

    Parameters
    ----------
    shape, cell_m, crs
        What the cells are (``"square"`` or ``"hex"``, size in metres, metric EPSG code).
    a, b
        Integer cell indices (square ``i, j`` or axial ``q, r``).
    counts
        Points per row of ``a, b``; None: one point per row.

    Returns
    -------
    HeatBins
        The non-empty cells, sorted by ``(i, j)``.
    """
    weights = None if counts is None else np.asarray(counts, dtype=np.float64)
    i, j, n = _count_pairs(np.asarray(a, dtype=np.int64), np.asarray(b, dtype=np.int64), weights)
    return HeatBins(shape, float(cell_m), crs, i, j, n)


def bin_xy(x: np.ndarray, y: np.ndarray, cell_m: float, shape: str = SQUARE, crs: int = 2154) -> HeatBins:
    """Count points given in a metric CRS per cell.

    Parameters
    ----------
    x, y
        Coordinates in metres, in the metric CRS ``crs``.
    cell_m
        Square side, or hexagon circumradius, in metres.
    shape
        ``"square"`` or ``"hex"``.
    crs
        EPSG code of the metric CRS the coordinates are in (kept on the result to draw the cells).

    Returns
    -------
    HeatBins
        The non-empty cells, sorted by ``(i, j)``.
    """
    _check(shape, cell_m)
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if shape == SQUARE:
        a = np.floor(x / cell_m).astype(np.int64)
        b = np.floor(y / cell_m).astype(np.int64)
    else:
        a, b = hex_axial(x, y, cell_m)
    return heat_bins(shape, cell_m, crs, a, b)


def bin_lonlat(
    lon: np.ndarray, lat: np.ndarray, crs: int, cell_m: float, shape: str = SQUARE, *, min_count: int = 1
) -> HeatBins:
    """Project WGS84 points to the metric CRS ``crs`` (pyproj) and count them per cell.

    ``min_count`` drops the cells holding fewer points (use the heat minimum for non-staff roles).
    Refuses a geographic ``crs``: cells must be in metres.
    """
    require_metric(crs, "La carte de chaleur")
    transformer = _transformer(4326, crs)
    x, y = transformer.transform(np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64))
    bins = bin_xy(x, y, cell_m, shape, crs)
    return bins.at_least(min_count) if min_count > 1 else bins


def cell_polygons(shape: str, cell_m: float, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """Polygons (metric CRS) of the cells ``(i, j)``."""
    i = np.asarray(i, dtype=np.float64)
    j = np.asarray(j, dtype=np.float64)
    if shape == SQUARE:
        return shapely.box(i * cell_m, j * cell_m, (i + 1) * cell_m, (j + 1) * cell_m)
    cx = 1.5 * cell_m * i
    cy = math.sqrt(3.0) * cell_m * (j + i / 2.0)
    angles = np.deg2rad(np.arange(0, 360, 60))
    ring = np.stack(
        [cx[:, None] + cell_m * np.cos(angles)[None, :], cy[:, None] + cell_m * np.sin(angles)[None, :]], axis=-1
    )
    return shapely.polygons(np.concatenate([ring, ring[:, :1]], axis=1)) if len(i) else np.array([], dtype=object)  # type: ignore[return-value]
