"""In-memory point location in a sector set: a uniform grid over the sectors, built once per set.

Most cells of the grid lie wholly inside one sector (or outside all of them): a point falling there is
answered by an array look-up. Only the cells crossed by a sector boundary keep a short list of candidate
sectors, tested exactly with GEOS (``intersects_xy`` on prepared polygons, which for a point is "covers").
Among several sectors covering a point (a point on a shared edge or vertex), the one with the smallest id
wins: the deterministic tie-break PostGIS queries apply too (``ORDER BY id``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import shapely

OUTSIDE = -1


@dataclass(frozen=True)
class GridLocator:
    """Locate points in a set of polygons. Build with :meth:`build`."""

    ids: np.ndarray  # sector ids, ascending
    geoms: np.ndarray  # prepared polygons, same order
    x0: float
    y0: float
    dx: float
    dy: float
    nx: int
    ny: int
    # Per cell: >= 0 index of the sector covering the whole cell; -1 outside all; <= -2 ambiguous slot (-v - 2).
    cells: np.ndarray
    offsets: np.ndarray  # CSR over ambiguous slots
    candidates: np.ndarray  # sector indices (ascending within a slot)

    @classmethod
    def build(cls, ids: np.ndarray, geoms: np.ndarray, *, n_cells: int) -> GridLocator:
        """Build the grid for polygons ``geoms`` with ids ``ids`` and about ``n_cells`` cells."""
        ids = np.asarray(ids, dtype=np.int64)
        geoms = np.asarray(geoms, dtype=object)
        order = np.argsort(ids, kind="stable")
        ids, geoms = ids[order], geoms[order]
        shapely.prepare(geoms)
        if len(ids) == 0:
            return cls(
                ids,
                geoms,
                0.0,
                0.0,
                1.0,
                1.0,
                1,
                1,
                np.full(1, OUTSIDE, np.int32),
                np.zeros(1, np.int64),
                np.zeros(0, np.int32),
            )
        minx, miny, maxx, maxy = shapely.total_bounds(geoms)
        w, h = max(maxx - minx, 1e-9), max(maxy - miny, 1e-9)
        nx = max(1, round(math.sqrt(n_cells * w / h)))
        ny = max(1, round(n_cells / nx))
        # A margin so that the maximum coordinates fall inside the last cell.
        dx, dy = w / nx * (1 + 1e-9), h / ny * (1 + 1e-9)
        x0, y0 = minx - dx * 1e-9, miny - dy * 1e-9

        marked = cls._boundary_cells(geoms, x0, y0, dx, dy, nx, ny)
        cells = np.full(nx * ny, OUTSIDE, dtype=np.int32)

        # Cells crossed by no boundary: each 4-connected component lies in one sector or outside all.
        free = ~marked.reshape(ny, nx)
        from scipy import ndimage  # only when a grid is built (a single look-up needs none)

        components, n_comp = ndimage.label(free)
        flat = components.ravel()
        if n_comp:
            first = np.unique(flat, return_index=True)[1][1:]  # first cell of components 1..n
            ci, cj = first % nx, first // nx
            reps = shapely.points(x0 + (ci + 0.5) * dx, y0 + (cj + 0.5) * dy)
            owner = cls._smallest_covering(geoms, reps)
            comp_owner = np.concatenate([[OUTSIDE], owner]).astype(np.int32)
            cells[free.ravel()] = comp_owner[flat[free.ravel()]]

        # Cells crossed by a boundary: exact candidates (sectors intersecting the cell box).
        amb = np.flatnonzero(marked)
        ai, aj = amb % nx, amb // nx
        boxes = shapely.box(x0 + ai * dx, y0 + aj * dy, x0 + (ai + 1) * dx, y0 + (aj + 1) * dy)
        tree = shapely.STRtree(geoms)
        box_idx, sec_idx = tree.query(boxes, predicate="intersects")
        order = np.lexsort((sec_idx, box_idx))
        box_idx, sec_idx = box_idx[order], sec_idx[order]
        counts = np.bincount(box_idx, minlength=len(amb))
        offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        slot_value = -(np.arange(len(amb), dtype=np.int64) + 2)
        cells[amb] = np.where(counts > 0, slot_value, OUTSIDE).astype(np.int32)
        return cls(
            ids, geoms, float(x0), float(y0), float(dx), float(dy), nx, ny, cells, offsets, sec_idx.astype(np.int32)
        )

    @staticmethod
    def _boundary_cells(geoms: np.ndarray, x0: float, y0: float, dx: float, dy: float, nx: int, ny: int) -> np.ndarray:
        """Cells any sector boundary passes through (a superset: a few extra cells are harmless)."""
        step = 0.99 * min(dx, dy)
        lines = shapely.segmentize(shapely.boundary(geoms), step)
        xy = shapely.get_coordinates(lines)
        i = np.clip(np.floor((xy[:, 0] - x0) / dx).astype(np.int64), 0, nx - 1)
        j = np.clip(np.floor((xy[:, 1] - y0) / dy).astype(np.int64), 0, ny - 1)
        marked = np.zeros(nx * ny, dtype=bool)
        marked[j * nx + i] = True
        # Segments are shorter than a cell: one going diagonally passes through (i0, j1) or (i1, j0).
        marked[j[1:] * nx + i[:-1]] = True
        marked[j[:-1] * nx + i[1:]] = True
        return marked

    @staticmethod
    def _smallest_covering(geoms: np.ndarray, points: np.ndarray) -> np.ndarray:
        """For each point, the smallest index of the polygons covering it, or -1."""
        tree = shapely.STRtree(geoms)
        pt, sec = tree.query(points, predicate="intersects")
        owner = np.full(len(points), OUTSIDE, dtype=np.int64)
        if len(pt):
            order = np.lexsort((sec, pt))
            pt, sec = pt[order], sec[order]
            uniq, first = np.unique(pt, return_index=True)
            owner[uniq] = sec[first]
        return owner

    # ------------------------------------------------------------------ queries
    def locate_index(self, x: float, y: float) -> int:
        """Index (into :attr:`ids`) of the sector covering (x, y), or -1."""
        i = math.floor((x - self.x0) / self.dx)
        j = math.floor((y - self.y0) / self.dy)
        if not (0 <= i < self.nx and 0 <= j < self.ny):
            return OUTSIDE
        v = int(self.cells[j * self.nx + i])
        if v >= OUTSIDE:
            return v
        slot = -v - 2
        for k in range(int(self.offsets[slot]), int(self.offsets[slot + 1])):
            c = int(self.candidates[k])
            if shapely.intersects_xy(self.geoms[c], x, y):
                return c
        return OUTSIDE

    def locate(self, x: float, y: float) -> int:
        """Id of the sector covering (x, y), or -1 outside every sector."""
        if not (math.isfinite(x) and math.isfinite(y)):
            return OUTSIDE
        k = self.locate_index(x, y)
        return int(self.ids[k]) if k >= 0 else OUTSIDE

    def locate_many(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Vectorised :meth:`locate`: an int64 array of sector ids (-1 outside)."""
        x = np.asarray(x, dtype=float)
        y = np.asarray(y, dtype=float)
        out = np.full(len(x), OUTSIDE, dtype=np.int64)
        with np.errstate(invalid="ignore"):
            fi = np.floor((x - self.x0) / self.dx)
            fj = np.floor((y - self.y0) / self.dy)
        ok = np.isfinite(fi) & np.isfinite(fj) & (fi >= 0) & (fi < self.nx) & (fj >= 0) & (fj < self.ny)
        pidx = np.flatnonzero(ok)
        v = self.cells[fj[ok].astype(np.int64) * self.nx + fi[ok].astype(np.int64)]
        resolved = v >= 0
        out[pidx[resolved]] = self.ids[v[resolved]]
        amb = v <= -2
        if not amb.any():
            return out
        apts = pidx[amb]
        slots = -v[amb].astype(np.int64) - 2
        starts = self.offsets[slots]
        counts = self.offsets[slots + 1] - starts
        total = int(counts.sum())
        point_rep = np.repeat(apts, counts)
        # Positions starts[k] .. starts[k] + counts[k] - 1, concatenated.
        run_start = np.repeat(np.cumsum(counts) - counts, counts)
        cand = self.candidates[np.repeat(starts, counts) + (np.arange(total) - run_start)]
        hit = shapely.intersects_xy(self.geoms[cand], x[point_rep], y[point_rep])
        hit_pts, hit_cand = point_rep[hit], cand[hit]
        # Candidates are ascending within a point: the first hit is the smallest id.
        uniq, first = np.unique(hit_pts, return_index=True)
        out[uniq] = self.ids[hit_cand[first]]
        return out

    @property
    def ambiguous_share(self) -> float:
        """Share of the grid cells that need an exact test."""
        return float((self.cells <= -2).mean())
