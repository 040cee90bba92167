"""Heat binning of a points table, server-side: SQL on PostGIS, numpy (``gis``) on the embedded backend.

Both give the same counts: the PostGIS query computes the very keys of :mod:`gis._heat` (same anchoring
on the CRS origin, same constants from :func:`gis.hex_steps`, the same float operations in the same order as
:func:`gis.hex_keys`) on ``ST_Transform(geom, crs)`` or the stored metric columns, groups by them, and
:func:`gis.heat_bins` finishes the cells; the embedded path reads the points and bins them with numpy.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import shapely
from sqlalchemy import Connection, Engine, text

from gis import HEX, SQUARE, HeatBins, InputError, bin_lonlat, bin_xy, heat_bins, hex_from_keys, hex_steps
from store import is_postgis, wkb_column

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

# The points as metric x/y: transformed once per row (OFFSET 0 keeps the planner from inlining, and so
# repeating, ST_Transform), or read from stored metric columns (the fast path).
_XY_TRANSFORM = (
    "SELECT ST_X(p) AS x, ST_Y(p) AS y "
    "FROM (SELECT ST_Transform({geom}, {crs}) AS p FROM {table} {where} OFFSET 0) AS t"
)
_XY_COLUMNS = "SELECT {x} AS x, {y} AS y FROM {table} {where}"

# The planner settings of a heat query, for the rest of its transaction (see bin_in).
PLAN_SETTINGS = "SET LOCAL jit = off; SET LOCAL work_mem = '256MB'; SET LOCAL enable_sort = off"

# One level, no barrier: a few float operations per row and one hash aggregate. The keys are returned as
# float8 (no cast per row); numpy turns them into integer cells.
_SQUARE_SQL = """
SELECT floor(x / CAST(:cell AS float8)) AS i, floor(y / CAST(:cell AS float8)) AS j, count(*) AS n
FROM ({xy}) AS xy GROUP BY 1, 2
"""

# gis.hex_keys, operation for operation (round(float8) is rint, like numpy's): keep the two in step.
_HEX_SQL = """
SELECT floor(x / CAST(:w2 AS float8)) AS m, floor(y / CAST(:h2 AS float8)) AS n,
       3.0::float8 * abs(x / CAST(:w AS float8) - round(x / CAST(:w AS float8)))
         + abs(y / CAST(:h AS float8) - round(y / CAST(:h AS float8))) <= 1.0::float8 AS a,
       count(*) AS k
FROM ({xy}) AS xy GROUP BY 1, 2, 3
"""


def _ident(name: str, what: str) -> str:
    if not _IDENT.match(name):
        raise InputError(f"Nom de {what} invalide : « {name} ».")
    return name


def heat_sql(
    shape: str, table: str, geom: str, crs: int, where: str = "", metric_columns: tuple[str, str] | None = None
) -> str:
    """The PostGIS query counting the points of ``table`` per cell key (``:cell``, or ``:w :h :w2 :h2``)."""
    clause = f"WHERE {where}" if where else ""
    if metric_columns is None:
        xy = _XY_TRANSFORM.format(
            geom=_ident(geom, "colonne"), crs=int(crs), table=_ident(table, "table"), where=clause
        )
    else:
        x, y = (_ident(c, "colonne") for c in metric_columns)
        xy = _XY_COLUMNS.format(x=x, y=y, table=_ident(table, "table"), where=clause)
    return (_SQUARE_SQL if shape == SQUARE else _HEX_SQL).format(xy=xy)


def _check_cells(shape: str, cell_m: float) -> None:
    if shape not in (SQUARE, HEX) or not cell_m > 0:
        raise InputError(f"Carte de chaleur : forme « {shape} » ou taille {cell_m} invalide (square|hex, mètres > 0).")


def bin_table(
    engine: Engine,
    table: str,
    *,
    crs: int,
    cell_m: float,
    shape: str = SQUARE,
    geom_column: str = "geom",
    where: str = "",
    params: dict[str, Any] | None = None,
    min_count: int = 1,
    metric_columns: tuple[str, str] | None = None,
) -> HeatBins:
    """Count the points of ``table`` per cell of the metric CRS ``crs``, in the database when it is PostGIS.

    Parameters
    ----------
    engine
        Either backend. PostGIS: one SQL aggregate (ST_Transform, floor, GROUP BY). SQLite: the WKB points are
        read and binned with numpy (:func:`gis.bin_lonlat`).
    table, geom_column
        The points table and its geometry column (EPSG:4326 points, ``store._types.GeometryColumn``).
    crs, cell_m, shape
        The metric CRS (EPSG), the cell size in metres, ``"square"`` or ``"hex"``.
    where, params
        Optional SQL filter written by our code (never user text) with its bound parameters.
    min_count
        Cells holding fewer points are dropped (the heat minimum for non-staff roles).
    metric_columns
        Names of columns holding the points' coordinates already projected in ``crs`` (x, y in metres): the
        fast path, with no per-row ST_Transform. None: the geometry is transformed row by row.
    """
    _check_cells(shape, cell_m)
    if is_postgis(engine):
        with engine.begin() as conn:
            return bin_in(
                conn,
                table,
                crs=crs,
                cell_m=cell_m,
                shape=shape,
                geom_column=geom_column,
                where=where,
                params=params,
                min_count=min_count,
                metric_columns=metric_columns,
            )
    bound = dict(params or {})
    if metric_columns is not None:
        x, y = read_columns(engine, table, metric_columns, where, bound)
        bins = bin_xy(x, y, cell_m, shape, crs)
        return bins.at_least(min_count) if min_count > 1 else bins
    lon, lat = read_points(engine, table, geom_column, where, bound)
    return bin_lonlat(lon, lat, crs, cell_m, shape, min_count=min_count)


def bin_in(
    conn: Connection,
    table: str,
    *,
    crs: int,
    cell_m: float,
    shape: str = SQUARE,
    geom_column: str = "geom",
    where: str = "",
    params: dict[str, Any] | None = None,
    min_count: int = 1,
    metric_columns: tuple[str, str] | None = None,
) -> HeatBins:
    """:func:`bin_table` on PostGIS, inside the caller's transaction (``conn``: e.g. one bound to a commune
    for row-level security). The ``SET LOCAL`` tuning lasts until that transaction ends."""
    _check_cells(shape, cell_m)
    bound = dict(params or {})
    sql = heat_sql(shape, table, geom_column, crs, where, metric_columns)
    if shape == HEX:
        bound.update(zip(("w", "h", "w2", "h2"), hex_steps(float(cell_m)), strict=True))
    else:
        bound["cell"] = float(cell_m)
    # One aggregate over many rows into few cells: JIT compilation costs more than it saves here (~1 s
    # of JIT for 1M rows). Where the coordinates have statistics the planner assumes one cell per row,
    # and would rather sort than hash: forbid sorting (the result is ordered below, in numpy) and allow
    # the hash table its memory. (The alerts' x_m/y_m have none, migration 0013: it then assumes its
    # default number of cells and aggregates in parallel, a partial hash table per worker.)
    conn.execute(text(PLAN_SETTINGS))
    rows = conn.execute(text(sql), bound).cursor.fetchall()
    arr = np.array(rows, dtype=np.float64).reshape(-1, 4 if shape == HEX else 3).astype(np.int64)
    if shape == HEX:
        q, r = hex_from_keys(arr[:, 0], arr[:, 1], arr[:, 2].astype(bool))
        bins = heat_bins(HEX, cell_m, crs, q, r, arr[:, 3])
    else:
        bins = heat_bins(SQUARE, cell_m, crs, arr[:, 0], arr[:, 1], arr[:, 2])
    return bins.at_least(min_count) if min_count > 1 else bins


def read_columns(
    engine: Engine, table: str, columns: tuple[str, str], where: str = "", params: dict[str, Any] | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Two numeric columns of ``table`` as float arrays."""
    x, y = (_ident(c, "colonne") for c in columns)
    sql = f"SELECT {x}, {y} FROM {_ident(table, 'table')}" + (f" WHERE {where}" if where else "")
    with engine.connect() as conn:
        result = conn.execute(text(sql), params or {})
        # Plain DB-API tuples: building a million SQLAlchemy Row objects would cost more than the binning.
        arr = np.array(result.cursor.fetchall(), dtype=np.float64).reshape(-1, 2)
    return arr[:, 0], arr[:, 1]


def read_points(
    engine: Engine, table: str, geom_column: str = "geom", where: str = "", params: dict[str, Any] | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Longitudes and latitudes of the points of ``table`` (either backend)."""
    column = _ident(geom_column, "colonne")
    select = wkb_column(engine, column)
    sql = f"SELECT {select} FROM {_ident(table, 'table')}" + (f" WHERE {where}" if where else "")
    with engine.connect() as conn:
        result = conn.execute(text(sql), params or {})
        blobs = [row[0] for row in result.cursor.fetchall()]  # plain DB-API rows: no Row objects per point
    if not blobs:
        return np.zeros(0), np.zeros(0)
    points = shapely.from_wkb(np.array([bytes(b) for b in blobs], dtype=object))
    return shapely.get_x(points), shapely.get_y(points)
