"""The spatial questions the two backends answer alike.

- SQLite: the R*Tree filters bounding boxes, shapely decides exactly.
- PostGIS: GiST index and ``ST_Intersects`` (for a point: covers) in SQL.

"Covers" semantics: a point on a sector's edge or vertex belongs to it; among several sectors covering a
point the smallest id wins (deterministic tie-break, the same everywhere). For a point and a polygon,
"intersects" and "covers" are the same relation; PostGIS optimises ``ST_Intersects`` best (point-in-polygon
short cut on a cached, prepared polygon), so that is what the SQL says.
"""

from __future__ import annotations

import struct

import numpy as np
import shapely
from sqlalchemy import Connection, text

COVERING_SQL_POSTGIS = text(
    "SELECT id FROM sectors WHERE sector_set_id = :set_id "
    "AND ST_Intersects(geom, ST_SetSRID(ST_MakePoint(:x, :y), 4326)) ORDER BY id"
)
# The single lookup of sectors.Locator (psycopg placeholders, prepared on its dedicated connection).
SINGLE_SQL_POSTGIS = (
    "SELECT id FROM sectors WHERE sector_set_id = %s "
    "AND ST_Intersects(geom, ST_SetSRID(ST_MakePoint(%s, %s), 4326)) ORDER BY id LIMIT 1"
)
COVERING_SQL_SQLITE = text(
    "SELECT s.id, s.geom FROM sectors_rtree r JOIN sectors s ON s.id = r.id "
    "WHERE r.minx <= :x AND r.maxx >= :x AND r.miny <= :y AND r.maxy >= :y AND s.sector_set_id = :set_id "
    "ORDER BY s.id"
)

# Sectors drive the join: PostGIS then reuses each sector's prepared geometry for all of its points. Left to
# itself, the planner flattens the LATERAL subquery and puts the points outside, probing the sectors' index
# once per point: about five to ten times slower. "OFFSET 0" is the fence that keeps the subquery as written.
BATCH_SQL_POSTGIS = (
    "SELECT p.i, s.id FROM sectors s CROSS JOIN LATERAL "
    "(SELECT q.i FROM {points} q WHERE ST_Intersects(s.geom, q.geom) OFFSET 0) p WHERE s.sector_set_id = {set_id}"
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


def morton_order(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Indices that sort points along a Z-order curve (nearby points end up nearby)."""

    def spread(v: np.ndarray) -> np.ndarray:
        v = v.astype(np.uint64) & 0xFFFF
        v = (v | (v << 8)) & 0x00FF00FF
        v = (v | (v << 4)) & 0x0F0F0F0F
        v = (v | (v << 2)) & 0x33333333
        return (v | (v << 1)) & 0x55555555

    finite = np.isfinite(x) & np.isfinite(y)
    if not finite.any():
        return np.arange(len(x))
    lo_x, hi_x = x[finite].min(), x[finite].max()
    lo_y, hi_y = y[finite].min(), y[finite].max()
    qx = np.nan_to_num((x - lo_x) / max(hi_x - lo_x, 1e-12) * 65535, nan=0).clip(0, 65535)
    qy = np.nan_to_num((y - lo_y) / max(hi_y - lo_y, 1e-12) * 65535, nan=0).clip(0, 65535)
    return np.argsort(spread(qx) | (spread(qy) << np.uint64(1)), kind="stable")


def _copy_points_binary(ids: np.ndarray, lons: np.ndarray, lats: np.ndarray) -> bytes:
    """PostgreSQL binary COPY payload of rows (int4 i, geometry point SRID 4326), built with numpy.

    The geometry travels as EWKB (little-endian point with SRID), which PostGIS's binary input reads as is.
    """
    row = np.dtype(
        [
            ("nf", ">i2"),
            ("l1", ">i4"),
            ("i", ">i4"),
            ("l2", ">i4"),
            ("order", "u1"),
            ("kind", "<u4"),
            ("srid", "<u4"),
            ("x", "<f8"),
            ("y", "<f8"),
        ]
    )
    rows = np.empty(len(ids), dtype=row)
    rows["nf"], rows["l1"], rows["l2"] = 2, 4, 25
    rows["order"], rows["kind"], rows["srid"] = 1, 0x20000001, 4326
    rows["i"], rows["x"], rows["y"] = ids, lons, lats
    return b"PGCOPY\n\xff\r\n\x00" + struct.pack(">ii", 0, 0) + rows.tobytes() + struct.pack(">h", -1)


def load_points_postgis(conn: Connection, lons: np.ndarray, lats: np.ndarray, table: str = "_voisinage_pts") -> str:
    """Load points into a temporary, GiST-indexed table ``table(i, geom)`` of the current transaction.

    Points are written in Z-order so that the points of one sector sit on a few pages: the join then reads
    the table almost sequentially instead of jumping to a random page for every point. Points without
    finite coordinates are left out (they are in no sector).
    """
    finite = np.flatnonzero(np.isfinite(lons) & np.isfinite(lats))
    order = finite[morton_order(lons[finite], lats[finite])]
    raw = conn.connection.driver_connection
    cur = raw.cursor()  # type: ignore[union-attr]
    cur.execute(f"DROP TABLE IF EXISTS {table}")
    cur.execute(f"CREATE TEMP TABLE {table} (i int4, geom geometry(Point, 4326)) ON COMMIT DROP")
    payload = _copy_points_binary(order.astype(np.int32), lons[order], lats[order])
    with cur.copy(f"COPY {table} (i, geom) FROM STDIN (FORMAT binary)") as copy:
        copy.write(payload)
    cur.execute(f"CREATE INDEX ON {table} USING gist (geom)")
    cur.execute(f"ANALYZE {table}")
    return table


def fetch_pairs(conn: Connection, query: str) -> tuple[np.ndarray, np.ndarray]:
    """Run a query returning (int4 point index, int4 sector id) rows, fetched as binary COPY into numpy.

    ``query`` is trusted SQL built by this module (no user text: identifiers and integers only).
    """
    raw = conn.connection.driver_connection
    cur = raw.cursor()  # type: ignore[union-attr]
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
