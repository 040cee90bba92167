"""Street lines (and linear barriers) from OpenStreetMap, in the commune's metric CRS.

Many entry points, one canonical function (:func:`load_streets`), as osmnx does: a local OSM XML file
(``.osm``), an ``.osm.pbf`` file, a GeoJSON export of Overpass (properties = OSM tags, ``@id``), or an online
source (:class:`gis._osm_online.OsmnxStreetSource`) that writes such a GeoJSON into a disk cache first.

Every reader returns the same columns: ``osm_id`` (``way/<id>``), ``highway``, ``railway``, ``waterway``,
``name``, ``tunnel``, ``tags`` (a dict with every OSM tag of the way) and the line geometry.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Protocol, runtime_checkable

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from gis._coords import check_lonlat_bounds
from gis._errors import InputError
from gis._project import to_metric, transform_geom

#: The OSM keys whose ways are read: streets, and the railways and waterways used as barriers.
LINEAR_KEYS: tuple[str, ...] = ("highway", "railway", "waterway")
#: Columns of every street frame, before the geometry.
STREET_COLUMNS: tuple[str, ...] = ("osm_id", "highway", "railway", "waterway", "name", "tunnel", "tags")
#: The suffixes :func:`load_streets` reads, lower case.
STREET_SUFFIXES: tuple[str, ...] = (".osm", ".osm.pbf", ".pbf", ".geojson", ".json")

_WGS84 = 4326


@runtime_checkable
class StreetSource(Protocol):
    """Anything that can provide a street file (OSM tags as properties) covering a polygon.

    The online source implements this; tests replace it with local files.
    """

    def street_file(self, boundary_wgs84: BaseGeometry, key: str) -> Path:
        """Return a local file holding the ways around ``boundary_wgs84`` (EPSG:4326); ``key`` names the cache."""
        ...


def _suffix(path: Path) -> str:
    name = path.name.lower()
    for suffix in (".osm.pbf", ".osm.bz2", ".osm.gz"):
        if name.endswith(suffix):
            return suffix
    return path.suffix.lower()


def _frame(records: list[dict], geoms: list[BaseGeometry | None], crs: object) -> gpd.GeoDataFrame:
    """Build the canonical street frame from per-way tag dicts."""
    rows = {
        "osm_id": [r.pop("@id") for r in records],
        "highway": [r.get("highway") for r in records],
        "railway": [r.get("railway") for r in records],
        "waterway": [r.get("waterway") for r in records],
        "name": [r.get("name") for r in records],
        "tunnel": [r.get("tunnel") for r in records],
        "tags": records,
    }
    return gpd.GeoDataFrame(rows, geometry=gpd.GeoSeries(geoms, crs=crs), crs=crs)


def read_osm_file(path: str | Path) -> gpd.GeoDataFrame:
    """Read the ways tagged ``highway``, ``railway`` or ``waterway`` of an OSM XML or PBF file.

    Parameters
    ----------
    path
        An ``.osm`` (XML, optionally ``.bz2``/``.gz``) or ``.osm.pbf`` file.

    Returns
    -------
    GeoDataFrame
        The canonical street columns, line geometries in EPSG:4326 (OSM's own coordinates).
    """
    import osmium  # local import: only the OSM readers need the C++ extension

    path = Path(path)
    records: list[dict] = []
    wkbs: list[bytes] = []
    factory = osmium.geom.WKBFactory()
    try:
        processor = (
            osmium.FileProcessor(str(path), osmium.osm.NODE | osmium.osm.WAY)
            .with_locations()
            .with_filter(osmium.filter.KeyFilter(*LINEAR_KEYS))
        )
        for obj in processor:
            if not obj.is_way() or len(obj.nodes) < 2:  # type: ignore[union-attr]
                continue
            try:
                wkb = factory.create_linestring(obj)  # type: ignore[arg-type]
            except (RuntimeError, osmium.InvalidLocationError):
                # A way whose nodes are missing from the extract (cut at the edge): skip it.
                continue
            tags = {t.k: t.v for t in obj.tags}
            tags["@id"] = f"way/{obj.id}"
            records.append(tags)
            wkbs.append(bytes.fromhex(wkb))
    except RuntimeError as exc:
        raise InputError(
            f"Le fichier OpenStreetMap « {path.name} » est illisible ({exc}). "
            "Fournissez un fichier .osm (XML) ou .osm.pbf valide."
        ) from exc
    geoms = list(shapely.from_wkb(wkbs)) if wkbs else []
    return _frame(records, geoms, _WGS84)


def read_overpass_geojson(path: str | Path) -> gpd.GeoDataFrame:
    """Read a GeoJSON export of Overpass: one feature per way, properties = OSM tags, ``@id`` = ``way/<id>``.

    Parameters
    ----------
    path
        The GeoJSON file. A legacy ``crs`` member is honoured; without one, GeoJSON means EPSG:4326.

    Returns
    -------
    GeoDataFrame
        The canonical street columns in the file's CRS, lines only (polygons and points are dropped).
    """
    path = Path(path)
    try:
        raw = gpd.read_file(path)
    except Exception as exc:  # pyogrio raises several types for unreadable files
        raise InputError(
            f"Le fichier de rues « {path.name} » est illisible ({exc}). Fournissez un GeoJSON exporté d'Overpass."
        ) from exc
    if raw.crs is None:
        raise InputError(
            f"Le fichier de rues « {path.name} » ne déclare pas son système de coordonnées. "
            "Exportez-le en WGS84 (EPSG:4326), comme le fait Overpass."
        )
    raw = raw[raw.geometry.notna()]
    raw = raw[raw.geom_type.isin(["LineString", "MultiLineString"])]
    tag_columns = [c for c in raw.columns if c not in ("geometry", "id") and not c.startswith("@")]
    ids = raw["@id"].astype(str) if "@id" in raw.columns else raw.get("id", pd.Series(raw.index)).astype(str)
    records = []
    values = raw[tag_columns].to_numpy(dtype=object)
    for row, osm_id in zip(values, ids, strict=True):
        tags = {k: str(v) for k, v in zip(tag_columns, row, strict=True) if v is not None and not _isnan(v)}
        tags["@id"] = osm_id
        records.append(tags)
    return _frame(records, list(raw.geometry.array), raw.crs)


def _isnan(value: object) -> bool:
    return isinstance(value, float) and np.isnan(value)


def read_street_file(path: str | Path, max_mb: float | None = None) -> gpd.GeoDataFrame:
    """Read any street file Voisinage understands, choosing the reader from the extension.

    Parameters
    ----------
    path
        ``.osm`` / ``.osm.bz2`` / ``.osm.gz`` / ``.osm.pbf`` / ``.pbf`` (OSM), or ``.geojson`` / ``.json`` (Overpass).
    max_mb
        Refuse files larger than this many megabytes (``None``: no limit).

    Returns
    -------
    GeoDataFrame
        The canonical street columns, in the file's CRS.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"Le fichier de rues « {path} » n'existe pas. Vérifiez son chemin.", field="streets")
    if max_mb is not None and path.stat().st_size > max_mb * 1e6:
        raise InputError(
            f"Le fichier de rues « {path.name} » dépasse {max_mb:g} Mo. Découpez-le autour de la commune "
            "(par exemple avec « osmium extract »)."
        )
    suffix = _suffix(path)
    if suffix in (".osm", ".osm.pbf", ".pbf", ".osm.bz2", ".osm.gz"):
        return read_osm_file(path)
    if suffix in (".geojson", ".json"):
        return read_overpass_geojson(path)
    raise InputError(
        f"Format de fichier de rues non reconnu : « {path.name} ». "
        "Formats acceptés : .osm, .osm.pbf (OpenStreetMap) ou .geojson (export Overpass)."
    )


def _check_coordinates(streets: gpd.GeoDataFrame, label: str) -> None:
    """Refuse coordinates that contradict the declared CRS (Lambert-93 metres declared as WGS84, swapped axes)."""
    if streets.empty or streets.crs is None:
        return
    bounds = streets.total_bounds if streets.crs.is_geographic else streets.to_crs(_WGS84).total_bounds
    check_lonlat_bounds(tuple(bounds), f"Le fichier de rues « {label} »")


def load_streets(
    source: str | Path | StreetSource | gpd.GeoDataFrame,
    boundary: BaseGeometry,
    crs: int,
    *,
    boundary_crs: int = _WGS84,
    cache_key: str = "commune",
    max_mb: float | None = None,
) -> gpd.GeoDataFrame:
    """Return the street lines (and railways, waterways) touching a commune, in its metric CRS.

    This is the one function every entry point goes through (file, online source, frame already read).

    Parameters
    ----------
    source
        A street file path (see :func:`read_street_file`), a :class:`StreetSource` (online OSM, cached),
        or a frame already in the canonical columns.
    boundary
        The commune's (Multi)Polygon, in ``boundary_crs``.
    crs
        EPSG code of the commune's metric CRS (``gis.metric_crs(insee)``); the output is in it.
    boundary_crs
        EPSG code of ``boundary`` (EPSG:4326 by default, as stored).
    cache_key
        Name of the cache entry for an online source (the INSEE code).
    max_mb
        Largest file accepted, in megabytes.

    Returns
    -------
    GeoDataFrame
        Lines (``LineString``) with the canonical columns, in EPSG:``crs``, keeping only the ways that
        intersect the commune (not cut: blocks are closed by the boundary itself). Index ``0..n-1``.

    Raises
    ------
    InputError
        Unreadable file, coordinates that contradict the declared CRS, or no way inside the commune.
    """
    boundary_wgs84 = transform_geom(boundary, boundary_crs, _WGS84)
    if isinstance(source, gpd.GeoDataFrame):
        raw, label = source, "donné"
    elif isinstance(source, StreetSource):
        path = source.street_file(boundary_wgs84, cache_key)
        raw, label = read_street_file(path, max_mb), Path(path).name
    else:
        raw, label = read_street_file(source, max_mb), Path(source).name
    _check_coordinates(raw, label)
    if raw.empty:
        raise InputError(
            f"Le fichier de rues « {label} » ne contient aucune voie (highway), voie ferrée ni cours d'eau. "
            "Fournissez un export OpenStreetMap des rues de la commune."
        )
    metric = raw.to_crs(crs)
    metric = metric.explode(index_parts=False)
    metric = metric[metric.geom_type == "LineString"]
    commune = to_metric(boundary_wgs84, crs)
    inside = metric.intersects(commune).to_numpy()
    if not inside.any():
        minx, miny, maxx, maxy = raw.total_bounds
        raise InputError(
            f"Aucune rue du fichier « {label} » ne se trouve dans la commune. Le fichier couvre "
            f"[{minx:.4f}, {miny:.4f}, {maxx:.4f}, {maxy:.4f}] dans {raw.crs.to_string() if raw.crs else '?'} : "
            "vérifiez qu'il s'agit bien des rues de cette commune et que son système de coordonnées est le bon."
        )
    return metric[inside].reset_index(drop=True)


def filter_tags(streets: gpd.GeoDataFrame, key: str, values: Iterable[str]) -> np.ndarray:
    """Boolean mask of the rows whose tag ``key`` is one of ``values`` (tunnels and culverts excluded)."""
    wanted = set(values)
    tunnel = streets["tunnel"].isin(["yes", "building_passage", "culvert", "covered"]).to_numpy()
    return streets[key].isin(wanted).to_numpy() & ~tunnel


__all__ = [
    "LINEAR_KEYS",
    "STREET_COLUMNS",
    "StreetSource",
    "filter_tags",
    "load_streets",
    "read_osm_file",
    "read_overpass_geojson",
    "read_street_file",
]
