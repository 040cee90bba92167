"""Bounding-box columns and SQLite R*Tree indexes.

On SQLite a table whose rows carry a geometry also carries its bounding box (``minx``…``maxy``), kept
by :func:`bbox_of`; triggers copy it into an R*Tree virtual table named ``<table>_rtree``. On PostGIS the
same columns exist (harmless), and the geometry column has a GiST index instead.
"""

from __future__ import annotations

from shapely.geometry.base import BaseGeometry
from sqlalchemy import Float
from sqlalchemy.orm import Mapped, mapped_column


class BBoxMixin:
    """Adds the bounding-box columns the SQLite R*Tree is fed from."""

    minx: Mapped[float] = mapped_column(Float, nullable=False)
    miny: Mapped[float] = mapped_column(Float, nullable=False)
    maxx: Mapped[float] = mapped_column(Float, nullable=False)
    maxy: Mapped[float] = mapped_column(Float, nullable=False)

    def set_bbox(self, geom: BaseGeometry) -> None:
        self.minx, self.miny, self.maxx, self.maxy = (float(v) for v in geom.bounds)


def rtree_ddl(table: str) -> list[str]:
    """SQLite statements creating ``<table>_rtree`` and the triggers keeping it in step with ``table``."""
    rt = f"{table}_rtree"
    return [
        f"CREATE VIRTUAL TABLE {rt} USING rtree(id, minx, maxx, miny, maxy)",
        f"CREATE TRIGGER {table}_rtree_ins AFTER INSERT ON {table} BEGIN "
        f"INSERT INTO {rt} VALUES (new.id, new.minx, new.maxx, new.miny, new.maxy); END",
        f"CREATE TRIGGER {table}_rtree_upd AFTER UPDATE OF minx, miny, maxx, maxy ON {table} BEGIN "
        f"UPDATE {rt} SET minx = new.minx, maxx = new.maxx, miny = new.miny, maxy = new.maxy "
        f"WHERE id = new.id; END",
        f"CREATE TRIGGER {table}_rtree_del AFTER DELETE ON {table} BEGIN DELETE FROM {rt} WHERE id = old.id; END",
    ]


def rtree_drop_ddl(table: str) -> list[str]:
    """The statements undoing :func:`rtree_ddl`."""
    return [f"DROP TRIGGER IF EXISTS {table}_rtree_{s}" for s in ("ins", "upd", "del")] + [
        f"DROP TABLE IF EXISTS {table}_rtree"
    ]
