"""Sanity checks of coordinates declared as WGS84 longitude/latitude.

Two mistakes are common in files handed over by communes: Lambert-93 metres written into a file declared as
degrees, and latitude/longitude swapped. Both are detected here and explained in French.
"""

from __future__ import annotations

import numpy as np

from gis._errors import InputError

# Where French communes are (lon_min, lat_min, lon_max, lat_max), generous margins.
FRENCH_TERRITORIES: dict[str, tuple[float, float, float, float]] = {
    "France métropolitaine": (-5.8, 41.2, 10.0, 51.3),
    "Antilles": (-63.3, 14.2, -60.7, 18.2),
    "Guyane": (-54.7, 2.0, -51.5, 6.0),
    "La Réunion": (55.1, -21.5, 55.9, -20.8),
    "Mayotte": (44.9, -13.1, 45.4, -12.5),
    "Saint-Pierre-et-Miquelon": (-56.6, 46.7, -56.0, 47.2),
}
LAMBERT_93_EXTENT = (-400_000.0, 5_900_000.0, 1_400_000.0, 7_300_000.0)


def _inside(bounds: tuple[float, float, float, float], box: tuple[float, float, float, float]) -> bool:
    return bounds[0] >= box[0] and bounds[1] >= box[1] and bounds[2] <= box[2] and bounds[3] <= box[3]


def check_lonlat_bounds(bounds: tuple[float, float, float, float], source: str, *, in_france: bool = True) -> None:
    """Raise :class:`InputError` when ``bounds`` (minx, miny, maxx, maxy), declared in degrees, are not.

    Parameters
    ----------
    bounds : tuple
        The bounding box of the data, as declared (longitude, latitude).
    source : str
        How to name the data in the message (a file name).
    in_france : bool
        Also check that the data lies in a French territory, to catch swapped latitude/longitude.
    """
    minx, miny, maxx, maxy = (float(v) for v in bounds)
    if not np.isfinite([minx, miny, maxx, maxy]).all():
        raise InputError(f"{source} : coordonnées manquantes ou non numériques.")
    if max(abs(minx), abs(maxx)) > 180 or max(abs(miny), abs(maxy)) > 90:
        if _inside((minx, miny, maxx, maxy), LAMBERT_93_EXTENT):
            raise InputError(
                f"{source} : les coordonnées ressemblent à du Lambert-93 (mètres, x≈{minx:,.0f}, y≈{miny:,.0f}) "
                "mais le fichier les déclare en degrés (WGS84). Déclarez le bon système de coordonnées "
                "(EPSG:2154) dans le fichier, ou exportez-le en WGS84 (EPSG:4326)."
            )
        raise InputError(
            f"{source} : coordonnées hors des bornes des degrés (x de {minx:,.1f} à {maxx:,.1f}, y de {miny:,.1f} "
            f"à {maxy:,.1f}) alors que le fichier les déclare en WGS84. Ce sont sans doute des mètres : "
            "indiquez le système de coordonnées du fichier (fichier .prj, ou « crs » du GeoJSON)."
        )
    if not in_france:
        return
    if any(_inside((minx, miny, maxx, maxy), box) for box in FRENCH_TERRITORIES.values()):
        return
    swapped = (miny, minx, maxy, maxx)
    if any(_inside(swapped, box) for box in FRENCH_TERRITORIES.values()):
        raise InputError(
            f"{source} : la longitude et la latitude semblent inversées (longitude ≈ {minx:.3f}, "
            f"latitude ≈ {miny:.3f} tombe hors de France ; dans l'autre sens, la donnée est en France). "
            "Remettez les coordonnées dans l'ordre longitude, latitude (ordre GeoJSON)."
        )
    raise InputError(
        f"{source} : les coordonnées (longitude {minx:.3f} à {maxx:.3f}, latitude {miny:.3f} à {maxy:.3f}) "
        "ne sont pas en France. Vérifiez le système de coordonnées du fichier."
    )
