"""Reading the geographic files communes hand over: GeoJSON, GeoPackage, Shapefile (also zipped).

One canonical reader, :func:`read_vector_file`: size limit checked before reading, precise French messages
for malformed files, coordinates checked (metres declared as degrees, swapped latitude/longitude), result
always in EPSG:4326.
"""

from __future__ import annotations

import gzip
import json
import warnings
from pathlib import Path

import geopandas as gpd
import pyogrio
import pyogrio.raw
import shapely
import shapely.errors
from pyogrio.errors import DataLayerError, DataSourceError

from gis._coords import check_lonlat_bounds
from gis._errors import InputError

VECTOR_SUFFIXES = {
    ".geojson": "GeoJSON",
    ".json": "GeoJSON",
    ".gpkg": "GPKG",
    ".shp": "ESRI Shapefile",
    ".zip": "ESRI Shapefile",
}


def check_file(path: str | Path, max_mb: float) -> Path:
    """Refuse a missing, empty or too large file before anything reads it."""
    p = Path(path)
    if not p.exists():
        raise InputError(f"Fichier introuvable : {p}.")
    if p.is_dir():
        raise InputError(f"{p} est un dossier, pas un fichier.")
    size = p.stat().st_size
    if size == 0:
        raise InputError(f"Le fichier {p.name} est vide.")
    if size > max_mb * 1024 * 1024:
        raise InputError(
            f"Le fichier {p.name} pèse {size / 1024 / 1024:.1f} Mo, au-delà de la limite de {max_mb:g} Mo "
            "(réglage VOISINAGE_MAX_UPLOAD_MB). Simplifiez les géométries ou augmentez la limite."
        )
    return p


def _format_of(p: Path) -> tuple[str, str]:
    """(driver, GDAL path) for a file, from its extension; ``.geojson.gz`` is read through /vsigzip/."""
    name = p.name.lower()
    if name.endswith((".geojson.gz", ".json.gz")):
        return "GeoJSON", f"/vsigzip/{p}"
    suffix = p.suffix.lower()
    if suffix not in VECTOR_SUFFIXES:
        raise InputError(
            f"Format non reconnu pour {p.name} : utilisez GeoJSON (.geojson, .geojson.gz), GeoPackage (.gpkg) "
            "ou Shapefile (.shp, ou .zip contenant le .shp et ses fichiers)."
        )
    return VECTOR_SUFFIXES[suffix], (f"/vsizip/{p}" if suffix == ".zip" else str(p))


def _check_json(p: Path) -> None:
    opener = gzip.open if p.name.lower().endswith(".gz") else open
    try:
        with opener(p, "rb") as fh:
            doc = json.load(fh)
    except (UnicodeDecodeError, gzip.BadGzipFile) as exc:
        raise InputError(f"{p.name} n'est pas un GeoJSON : le fichier n'est pas du texte UTF-8.") from exc
    except json.JSONDecodeError as exc:
        raise InputError(
            f"{p.name} n'est pas un GeoJSON valide : {exc.msg} (ligne {exc.lineno}, colonne {exc.colno}). "
            "Ré-exportez le fichier depuis votre logiciel SIG."
        ) from exc
    if not isinstance(doc, dict) or doc.get("type") not in {
        "FeatureCollection",
        "Feature",
        "Polygon",
        "MultiPolygon",
        "GeometryCollection",
        "Point",
        "MultiPoint",
        "LineString",
        "MultiLineString",
    }:
        raise InputError(
            f"{p.name} n'est pas un GeoJSON : l'objet racine doit avoir un « type » GeoJSON "
            "(FeatureCollection le plus souvent)."
        )


def _unreadable(source: str) -> str:
    """Which features of ``source`` hold a geometry GEOS cannot read (an unclosed ring, too few points)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Non closed ring", RuntimeWarning)
        _meta, _fids, wkb, _fields = pyogrio.raw.read(source)
    parsed = shapely.from_wkb(wkb, on_invalid="ignore")
    bad = [i + 1 for i, (raw, geom) in enumerate(zip(wkb, parsed, strict=True)) if raw is not None and geom is None]
    shown = ", ".join(f"n°{i}" for i in bad[:10]) + (f" et {len(bad) - 10} autre(s)" if len(bad) > 10 else "")
    return f"objet(s) {shown}" if bad else "géométrie invalide"


def read_vector_file(
    path: str | Path, *, max_mb: float, in_france: bool = True, keep_missing: bool = False
) -> gpd.GeoDataFrame:
    """Read a GeoJSON, GeoPackage or (zipped) Shapefile into a GeoDataFrame in EPSG:4326.

    Parameters
    ----------
    path : str or Path
        The file. Its format comes from its extension.
    max_mb : float
        Size limit in megabytes, checked before reading.
    in_france : bool
        Check that the data lies in France (catches swapped latitude/longitude).
    keep_missing : bool
        Keep the features without geometry (as None), so that the caller can report them; by default they are
        left out (a boundary file with many communes).

    Raises
    ------
    InputError
        With a French message naming the file and the fix.
    """
    p = check_file(path, max_mb)
    driver, source = _format_of(p)
    if driver == "GeoJSON":
        _check_json(p)
    try:
        with warnings.catch_warnings():
            # GDAL warns about unclosed rings on stderr; we report them ourselves, in French.
            warnings.filterwarnings("ignore", "Non closed ring", RuntimeWarning)
            gdf = pyogrio.read_dataframe(source)
    except (DataSourceError, DataLayerError) as exc:
        raise InputError(f"Impossible de lire {p.name} ({driver}) : {exc}") from exc
    except shapely.errors.GEOSException as exc:
        raise InputError(
            f"{p.name} contient des géométries illisibles : {_unreadable(source)}. Corrigez-les dans votre "
            "logiciel SIG (un polygone se referme : son dernier point répète le premier).",
            field="file",
        ) from exc
    if not isinstance(gdf, gpd.GeoDataFrame) or gdf.geometry.name is None or len(gdf) == 0:
        raise InputError(f"{p.name} ne contient aucun objet géographique.")
    missing = gdf.geometry.isna() | gdf.geometry.is_empty
    if missing.all():
        raise InputError(f"{p.name} ne contient aucune géométrie.")
    if not keep_missing:
        gdf = gdf.loc[~missing].copy()
    if gdf.crs is None:
        # A shapefile without .prj: accept only what plainly is longitude/latitude.
        check_lonlat_bounds(tuple(gdf.total_bounds), p.name, in_france=in_france)
        return gdf.set_crs(4326)
    if gdf.crs.is_geographic:
        check_lonlat_bounds(tuple(gdf.total_bounds), p.name, in_france=in_france)
        return gdf if gdf.crs.to_epsg() == 4326 else gdf.to_crs(4326)
    out = gdf.to_crs(4326)
    check_lonlat_bounds(tuple(out.total_bounds), f"{p.name} (système {gdf.crs.to_string()})", in_france=in_france)
    return out


def write_vector_file(gdf: gpd.GeoDataFrame, path: str | Path) -> Path:
    """Write ``gdf`` to GeoJSON, GeoPackage or Shapefile, the format following the extension."""
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix not in {".geojson", ".json", ".gpkg", ".shp"}:
        raise InputError(
            f"Extension de sortie non reconnue : « {p.suffix or '(aucune)'} ». Utilisez .geojson, .gpkg ou .shp."
        )
    p.parent.mkdir(parents=True, exist_ok=True)
    if p.exists() and suffix != ".shp":
        p.unlink()
    pyogrio.write_dataframe(gdf, p, driver=VECTOR_SUFFIXES[suffix])
    return p
