"""Place names and buildings from the same OpenStreetMap file as the streets, in the commune's metric CRS.

Sector generation names a sector without named streets after a place residents know (``place=*``: a hamlet,
a neighbourhood, a locality) and, without BAN addresses, weighs street blocks by the buildings they hold.
Both are optional: an extract of highways only yields empty frames and the generator falls back.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import shapely
from shapely.geometry.base import BaseGeometry

from gis._errors import InputError
from gis._project import to_metric
from gis._streets import StreetSource, _suffix

#: ``place=*`` values that name a part of a commune, most specific first (the order breaks ties).
LOCAL_PLACES: tuple[str, ...] = (
    "neighbourhood",
    "quarter",
    "hamlet",
    "isolated_dwelling",
    "locality",
    "square",
    "suburb",
    "farm",
    "village",
)
_WGS84 = 4326


@dataclass(frozen=True)
class OsmFeatures:
    """``places``: columns ``name``, ``place`` (points or polygons); ``buildings``: footprints. Same CRS."""

    places: gpd.GeoDataFrame
    buildings: gpd.GeoDataFrame


def _places(names: list[str], kinds: list[str], geoms: list[BaseGeometry], crs: object) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"name": names, "place": kinds}, geometry=gpd.GeoSeries(geoms, crs=crs), crs=crs)


def _buildings(geoms: list[BaseGeometry], crs: object) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(geometry=gpd.GeoSeries(geoms, crs=crs), crs=crs)


def _read_osm(path: Path) -> OsmFeatures:
    import osmium  # local import: only the OSM readers need the C++ extension

    factory = osmium.geom.WKBFactory()
    names: list[str] = []
    kinds: list[str] = []
    place_wkb: list[bytes] = []
    building_wkb: list[bytes] = []
    try:
        processor = (
            osmium.FileProcessor(str(path)).with_areas().with_filter(osmium.filter.KeyFilter("place", "building"))
        )
        for obj in processor:
            if not isinstance(obj, osmium.osm.Node | osmium.osm.Area):
                continue
            tags = obj.tags
            named_place = "place" in tags and "name" in tags
            try:
                if isinstance(obj, osmium.osm.Node):
                    if not named_place:
                        continue
                    place_wkb.append(bytes.fromhex(factory.create_point(obj)))
                elif named_place:
                    place_wkb.append(bytes.fromhex(factory.create_multipolygon(obj)))
                elif "building" in tags and tags["building"] != "no":
                    building_wkb.append(bytes.fromhex(factory.create_multipolygon(obj)))
                    continue
                else:
                    continue
            except (RuntimeError, osmium.InvalidLocationError):
                continue  # cut at the edge of the extract
            names.append(tags["name"])
            kinds.append(tags["place"])
    except RuntimeError as exc:
        raise InputError(f"Le fichier OpenStreetMap « {path.name} » est illisible ({exc}).") from exc
    return OsmFeatures(
        _places(names, kinds, list(shapely.from_wkb(place_wkb)) if place_wkb else [], _WGS84),
        _buildings(list(shapely.from_wkb(building_wkb)) if building_wkb else [], _WGS84),
    )


def _read_geojson(path: Path) -> OsmFeatures:
    try:
        raw = gpd.read_file(path)
    except Exception as exc:  # pyogrio raises several types for unreadable files
        raise InputError(f"Le fichier OpenStreetMap « {path.name} » est illisible ({exc}).") from exc
    crs = raw.crs or _WGS84
    raw = raw[raw.geometry.notna()]
    empty = OsmFeatures(_places([], [], [], crs), _buildings([], crs))
    if raw.empty:
        return empty
    polygonal = raw.geom_type.isin(["Polygon", "MultiPolygon"])
    places = empty.places
    if "place" in raw.columns and "name" in raw.columns:
        rows = raw[raw["place"].notna() & raw["name"].notna() & (polygonal | raw.geom_type.eq("Point"))]
        places = _places(
            rows["name"].astype(str).tolist(), rows["place"].astype(str).tolist(), list(rows.geometry.array), crs
        )
    buildings = empty.buildings
    if "building" in raw.columns:
        rows = raw[raw["building"].notna() & raw["building"].ne("no") & polygonal]
        buildings = _buildings(list(rows.geometry.array), crs)
    return OsmFeatures(places, buildings)


def read_osm_features(path: str | Path) -> OsmFeatures:
    """Read named places (``place=*`` with a ``name``) and buildings from an OSM or Overpass GeoJSON file.

    Parameters
    ----------
    path
        The street file (:func:`gis.read_street_file` formats).

    Returns
    -------
    OsmFeatures
        In the file's CRS; empty frames when the file holds none (a highways-only extract).
    """
    path = Path(path)
    suffix = _suffix(path)
    if suffix in (".osm", ".osm.pbf", ".pbf", ".osm.bz2", ".osm.gz"):
        return _read_osm(path)
    if suffix in (".geojson", ".json"):
        return _read_geojson(path)
    raise InputError(f"Format de fichier OpenStreetMap non reconnu : « {path.name} ».")


def load_osm_features(
    source: str | Path | StreetSource, boundary_wgs84: BaseGeometry, epsg: int, *, cache_key: str = "commune"
) -> OsmFeatures:
    """Places and buildings of the commune (within its boundary), in its metric CRS ``epsg``.

    ``source`` is the same as :func:`gis.load_streets`'s (a file, or the cached online source).
    """
    path = source.street_file(boundary_wgs84, cache_key) if isinstance(source, StreetSource) else Path(source)
    features = read_osm_features(path)
    limit = to_metric(boundary_wgs84, epsg)
    shapely.prepare(limit)

    def clip(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
        if frame.empty:
            return frame.set_crs(epsg, allow_override=True)
        metric = frame.to_crs(epsg) if frame.crs is not None else frame.set_crs(_WGS84).to_crs(epsg)
        return metric[shapely.intersects(limit, metric.geometry.array)].reset_index(drop=True)

    return OsmFeatures(clip(features.places), clip(features.buildings))


__all__ = ["LOCAL_PLACES", "OsmFeatures", "load_osm_features", "read_osm_features"]
