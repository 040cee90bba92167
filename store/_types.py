"""One geometry column type for both backends.

On PostgreSQL it is a GeoAlchemy2 ``Geometry`` column (PostGIS), on SQLite a plain BLOB holding WKB.
Python code always sees shapely geometries in EPSG:4326.
"""

from __future__ import annotations

from typing import Any

import shapely
from shapely.geometry.base import BaseGeometry
from sqlalchemy.engine import Dialect
from sqlalchemy.types import LargeBinary, TypeDecorator, TypeEngine

SRID = 4326


class GeometryColumn(TypeDecorator[BaseGeometry]):
    """A geometry in EPSG:4326: PostGIS ``geometry`` on PostgreSQL, WKB BLOB on SQLite."""

    impl = LargeBinary
    cache_ok = True
    # Read by GeoAlchemy2's DDL hooks: the GiST index is created by our migrations, not by them.
    spatial_index = False
    use_N_D_index = False  # noqa: N815 (GeoAlchemy2 attribute name)

    def __init__(self, geometry_type: str = "GEOMETRY", srid: int = SRID) -> None:
        super().__init__()
        self.geometry_type = geometry_type
        self.srid = srid

    def load_dialect_impl(self, dialect: Dialect | None) -> TypeEngine[Any]:
        # GeoAlchemy2's DDL hooks call this with no dialect: answer with the embedded type.
        if dialect is not None and dialect.name == "postgresql":
            from geoalchemy2 import Geometry  # PostGIS only: the embedded backend never loads GeoAlchemy2

            return dialect.type_descriptor(Geometry(self.geometry_type, srid=self.srid, spatial_index=False))
        return LargeBinary() if dialect is None else dialect.type_descriptor(LargeBinary())

    def process_bind_param(self, value: BaseGeometry | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if dialect.name == "postgresql":
            from geoalchemy2.shape import from_shape

            return from_shape(value, srid=self.srid, extended=True)
        return shapely.to_wkb(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> BaseGeometry | None:
        if value is None:
            return None
        if isinstance(value, bytes | bytearray | memoryview):
            return shapely.from_wkb(bytes(value))
        if isinstance(value, str):
            return shapely.from_wkb(bytes.fromhex(value))
        from geoalchemy2.shape import to_shape  # a WKBElement, from PostGIS

        return to_shape(value)
