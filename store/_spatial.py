"""The spatial questions the two backends answer alike.

- SQLite: the R*Tree filters bounding boxes, shapely decides exactly.
- PostGIS: GiST index and ``ST_Covers`` in SQL.

"Covers" semantics: a point on a sector's edge or vertex belongs to it; among several sectors covering a
point the smallest id wins (deterministic tie-break, the same everywhere).
"""

from __future__ import annotations

import io
import struct

import numpy as np
import shapely
from sqlalchemy import Connection, text

COVERING_SQL_POSTGIS = text(
    "SELECT id FROM sectors WHERE sector_set_id = :set_id "
    "AND ST_Covers(geom, ST_SetSRID(ST_MakePoint(:x, :y), 4326)) ORDER BY id"
)
COVERING_SQL_SQLITE = text(
    "SELECT s.id, s.geom FROM sectors_rtree r JOIN sectors s ON s.id = r.id "
    "WHERE r.minx <= :x AND r.maxx >= :x AND r.miny <= :y AND r.maxy >= :y AND s.sector_set_id = :set_id "
    "ORDER BY s.id"
)

# Sectors drive the join (PostGIS then reuses each prepared sector geometry for all its points); the planner
# left to itself puts the points outside and probes the sectors' index once per point, about ten times slower.
BATCH_SQL_POSTGIS = (
    "SELECT p.i, s.id FROM sectors s CROSS JOIN LATERAL "
    "(SELECT q.i FROM {points} q WHERE ST_Covers(s.geom, q.geom)) p WHERE s.sector_set_id = {set_id}"
)


def covering_sector_ids(conn: Connection, sector_set_id: int, lon: float, lat: float) -> list[int]:
    """Ids (ascending) of the sectors of a set covering the point (lon, lat), on either backend."""
    params = {"set_id": sector_set_id, "x": float(lon), "y": float(lat)}
    if conn.dialect.name == "postgresql":
        return [int(r[0]) for r in conn.execute(COVERING_SQL_POSTGIS, params)]
    return [
        int(sid)
        for sid, wkb in conn.execute(COVERING_SQL_SQLITE, params)
        if shapely.intersects_xy(shapely.from_wkb(wkb), params["x"], params["y"])
    ]


def _copy_points_binary(ids: np.ndarray, lons: np.ndarray, lats: np.ndarray) -> bytes:
    """PostgreSQL binary COPY payload of rows (int4 i, float8 x, float8 y), built with numpy."""
    n = len(ids)
    row = np.dtype(
        [("nf", ">i2"), ("l1", ">i4"), ("i", ">i4"), ("l2", ">i4"), ("x", ">f8"), ("l3", ">i4"), ("y", ">f8")]
    )
    rows = np.empty(n, dtype=row)
    rows["nf"], rows["l1"], rows["l2"], rows["l3"] = 3, 4, 8, 8
    rows["i"], rows["x"], rows["y"] = ids, lons, lats
    buf = io.BytesIO()
    buf.write(b"PGCOPY\n\xff\r\n\x00" + struct.pack(">ii", 0, 0))
    buf.write(rows.tobytes())
    buf.write(struct.pack(">h", -1))
    return buf.getvalue()


def load_points_postgis(conn: Connection, lons: np.ndarray, lats: np.ndarray, table: str = "_voisinage_pts") -> str:
    """Load points into a temporary, GiST-indexed table ``table(i, geom)`` of the current transaction."""
    raw = conn.connection.driver_connection
    cur = raw.cursor()
    cur.execute(f"DROP TABLE IF EXISTS {table}_xy; DROP TABLE IF EXISTS {table}")
    cur.execute(f"CREATE TEMP TABLE {table}_xy (i int4, x float8, y float8) ON COMMIT DROP")
    payload = _copy_points_binary(np.arange(len(lons), dtype=np.int32), lons, lats)
    with cur.copy(f"COPY {table}_xy (i, x, y) FROM STDIN (FORMAT binary)") as copy:
        copy.write(payload)
    cur.execute(
        f"CREATE TEMP TABLE {table} ON COMMIT DROP AS "
        f"SELECT i, ST_SetSRID(ST_MakePoint(x, y), 4326) AS geom FROM {table}_xy WHERE x = x AND y = y"
    )
    cur.execute(f"CREATE INDEX ON {table} USING gist (geom)")
    cur.execute(f"ANALYZE {table}")
    return table


def fetch_pairs(conn: Connection, query: str) -> tuple[np.ndarray, np.ndarray]:
    """Run a query returning (int4 point index, int4 sector id) rows, fetched as binary COPY into numpy.

    ``query`` is trusted SQL built by this module (no user text: identifiers and integers only).
    """
    raw = conn.connection.driver_connection
    cur = raw.cursor()
    chunks: list[bytes] = []
    with cur.copy(f"COPY ({query}) TO STDOUT (FORMAT binary)") as copy:
        for data in copy:
            chunks.append(bytes(data))
    blob = b"".join(chunks)
    body = blob[19:-2]  # header (11 signature + 4 flags + 4 extension length) and trailer
    row = np.dtype([("nf", ">i2"), ("l1", ">i4"), ("a", ">i4"), ("l2", ">i4"), ("b", ">i4")])
    rows = np.frombuffer(body, dtype=row)
    return rows["a"].astype(np.int64), rows["b"].astype(np.int64)


def smallest_per_point(n: int, point_idx: np.ndarray, sector_ids: np.ndarray) -> np.ndarray:
    """For ``n`` points, the smallest sector id among the (point, sector) pairs, -1 where there is none."""
    out = np.full(n, -1, dtype=np.int64)
    if len(point_idx):
        order = np.lexsort((sector_ids, point_idx))
        uniq, first = np.unique(point_idx[order], return_index=True)
        out[uniq] = sector_ids[order][first]
    return out


def locate_many_postgis(conn: Connection, sector_set_id: int, lons: np.ndarray, lats: np.ndarray) -> np.ndarray:
    """Batch point -> sector on PostGIS: smallest covering sector id per point, -1 outside (one transaction)."""
    lons = np.asarray(lons, dtype=float)
    lats = np.asarray(lats, dtype=float)
    table = load_points_postgis(conn, lons, lats)
    pts, sids = fetch_pairs(conn, BATCH_SQL_POSTGIS.format(points=table, set_id=int(sector_set_id)))
    return smallest_per_point(len(lons), pts, sids)
