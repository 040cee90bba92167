"""Online street source: OpenStreetMap through osmnx, for the commune's polygon, cached on disk.

Never used by tests (they have no network): it sits behind the :class:`gis._streets.StreetSource` protocol,
which a local file replaces. The cache is a GeoJSON in the Overpass export format (properties = OSM tags,
``@id`` = ``way/<id>``), so the cached file is read by the same reader as a user's export.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import shapely
from shapely.geometry.base import BaseGeometry

from gis._errors import InputError
from gis._streets import LINEAR_KEYS


def _fetch_with_osmnx(boundary_wgs84: BaseGeometry) -> gpd.GeoDataFrame:
    """Download every way tagged highway/railway/waterway intersecting the polygon (osmnx → Overpass)."""
    import osmnx  # imported here: heavy, and only the online path needs it

    return osmnx.features_from_polygon(boundary_wgs84, tags=dict.fromkeys(LINEAR_KEYS, True))  # type: ignore[arg-type]


def _to_overpass_geojson(features: gpd.GeoDataFrame) -> dict:
    """Convert an osmnx feature frame (index ``element``, ``id``) into an Overpass-style FeatureCollection."""
    features = features.reset_index()
    lines = features[features.geom_type.isin(["LineString", "MultiLineString"])]
    skip = {"element", "id", "element_type", "osmid", "geometry"}
    out = []
    for record in lines.to_dict("records"):
        element = record.get("element", record.get("element_type", "way"))
        osm_id = record.get("id", record.get("osmid"))
        props = {"@id": f"{element}/{osm_id}"}
        for key, value in record.items():
            # NaN != NaN: osmnx leaves missing tags as NaN; lists are node lists, not tags.
            if key not in skip and value is not None and value == value and not isinstance(value, list):
                props[key] = str(value)
        out.append({"type": "Feature", "properties": props, "geometry": shapely.geometry.mapping(record["geometry"])})
    return {"type": "FeatureCollection", "features": out}


class OsmnxStreetSource:
    """Streets of a commune from OpenStreetMap (osmnx), cached as ``<cache_dir>/streets_<key>.geojson``.

    Parameters
    ----------
    cache_dir
        Folder of the cache (``data/cache/osm`` by default in the CLI). A cached file is reused as is;
        delete it to download again.
    fetch
        The download function (polygon in EPSG:4326 → osmnx feature frame); replaceable for tests.
    """

    def __init__(
        self,
        cache_dir: str | Path,
        fetch: Callable[[BaseGeometry], gpd.GeoDataFrame] = _fetch_with_osmnx,
    ) -> None:
        self.cache_dir = Path(cache_dir)
        self._fetch = fetch

    def cache_path(self, key: str) -> Path:
        """Where the streets of ``key`` (an INSEE code) are cached."""
        safe = "".join(ch for ch in key if ch.isalnum() or ch in "-_") or "commune"
        return self.cache_dir / f"streets_{safe}.geojson"

    def street_file(self, boundary_wgs84: BaseGeometry, key: str) -> Path:
        """Return the cached street file of ``key``, downloading it first when absent."""
        path = self.cache_path(key)
        if path.is_file():
            return path
        try:
            features = self._fetch(boundary_wgs84)
        except Exception as exc:  # network errors, Overpass refusals, empty answers
            raise InputError(
                f"Impossible de télécharger les rues depuis OpenStreetMap ({exc}). Vérifiez la connexion, ou "
                "fournissez un fichier local (.osm, .osm.pbf ou export Overpass .geojson).",
                field="streets",
            ) from exc
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".part")
        tmp.write_text(json.dumps(_to_overpass_geojson(features)), encoding="utf-8")
        tmp.replace(path)  # atomic: a failed download never leaves a half cache behind
        return path


__all__ = ["OsmnxStreetSource"]
