"""Heat binning: count points per square or hexagonal cell of a metric CRS, vectorised with numpy.

The cells are defined in the commune's metric CRS (Lambert-93, EPSG:2154, in metropolitan France), anchored on
the CRS origin so that the same point always falls in the same cell, whatever the other points:

- square cells of side ``cell``: cell ``(i, j)`` covers ``[i*cell, (i+1)*cell) x [j*cell, (j+1)*cell)``;
- hexagonal cells (flat-topped) of circumradius ``cell``, indexed by axial coordinates ``(q, r)``, centre at
  ``(1.5*cell*q, sqrt(3)*cell*(r + q/2))``.

:data:`HEX_CONSTANTS` and the rounding rule (``floor(v + 0.5)``) are shared with the SQL version in ``stats``
so that both give the same counts.
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
# Axial coordinates of a flat-topped hexagon grid: q = C1 * x/s ; r = C2 * x/s + C3 * y/s.
HEX_CONSTANTS = (2.0 / 3.0, -1.0 / 3.0, math.sqrt(3.0) / 3.0)


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


def hex_axial(x: np.ndarray, y: np.ndarray, cell_m: float) -> tuple[np.ndarray, np.ndarray]:
    """Axial coordinates ``(q, r)`` of the flat-topped hexagons of circumradius ``cell_m`` holding the points."""
    c1, c2, c3 = HEX_CONSTANTS
    xs = x / cell_m
    ys = y / cell_m
    fq = c1 * xs
    fr = c2 * xs + c3 * ys
    fs = -fq - fr
    rq = np.floor(fq + 0.5)
    rr = np.floor(fr + 0.5)
    rs = np.floor(fs + 0.5)
    dq = np.abs(rq - fq)
    dr = np.abs(rr - fr)
    ds = np.abs(rs - fs)
    # Cube rounding: the coordinate that moved most is recomputed from the other two.
    fix_q = (dq > dr) & (dq > ds)
    fix_r = ~fix_q & (dr > ds)
    q = np.where(fix_q, -rr - rs, rq)
    r = np.where(fix_r, -rq - rs, rr)
    return q.astype(np.int64), r.astype(np.int64)


def _count_pairs(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    if len(a) == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty
    amin, bmin = a.min(), b.min()
    na, nb = int(a.max() - amin + 1), int(b.max() - bmin + 1)
    if na * nb <= 4 * len(a) + 1_000_000:
        # Dense enough: one O(n) bincount over the bounding block of cells.
        counts = np.bincount((a - amin) * nb + (b - bmin), minlength=na * nb)
        nz = np.flatnonzero(counts)
        return nz // nb + amin, nz % nb + bmin, counts[nz]
    keys, counts = np.unique((a - amin) * nb + (b - bmin), return_counts=True)
    return keys // nb + amin, keys % nb + bmin, counts


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
    i, j, counts = _count_pairs(a, b)
    return HeatBins(shape, float(cell_m), crs, i, j, counts)


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
