"""Synthetic BAN addresses, built by code: house numbers along named streets (the demo's sign-up suggestions).

The demo has no real BAN file for its commune: numbers are placed along the commune's streets (the real
OpenStreetMap streets of Orsay, or a grid of invented streets for the synthetic commune), odd on one side and
even on the other, and written in the official 23-column BAN format so that the ordinary import reads them.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import shapely
from shapely.geometry.base import BaseGeometry

from gis import BAN_COLUMNS, transform_geom

GRID_STREETS = (
    "Rue des Tilleuls",
    "Rue des Lilas",
    "Rue du Moulin",
    "Avenue de la Gare",
    "Rue de l'École",
    "Allée des Peupliers",
    "Rue Victor Hugo",
    "Chemin des Vignes",
)


def grid_streets(boundary: BaseGeometry, epsg: int, n: int = 4) -> dict[str, BaseGeometry]:
    """``n`` west-east and ``n`` south-north invented streets across ``boundary`` (EPSG:4326), by name."""
    metric = transform_geom(boundary, 4326, epsg)
    minx, miny, maxx, maxy = metric.bounds
    streets: dict[str, BaseGeometry] = {}
    for k in range(n):
        y = miny + (k + 0.5) * (maxy - miny) / n
        x = minx + (k + 0.5) * (maxx - minx) / n
        streets[GRID_STREETS[(2 * k) % len(GRID_STREETS)]] = shapely.LineString([(minx, y), (maxx, y)])
        streets[GRID_STREETS[(2 * k + 1) % len(GRID_STREETS)]] = shapely.LineString([(x, miny), (x, maxy)])
    return {name: transform_geom(line.intersection(metric), epsg, 4326) for name, line in streets.items()}


def named_streets(lines: Any, boundary: BaseGeometry) -> dict[str, BaseGeometry]:
    """The named streets of an OpenStreetMap ``highway`` GeoDataFrame (EPSG:4326), merged by name, inside
    ``boundary``."""
    named = lines[lines["name"].notna() & lines.geometry.intersects(boundary)]
    out: dict[str, BaseGeometry] = {}
    for name, group in named.groupby("name"):
        clipped = shapely.intersection(shapely.union_all(group.geometry.values), boundary)
        if not clipped.is_empty and clipped.length > 0:
            out[str(name)] = shapely.line_merge(clipped) if clipped.geom_type == "MultiLineString" else clipped
    return out


def address_rows(
    streets: Mapping[str, BaseGeometry],
    *,
    insee: str,
    postcode: str,
    city: str,
    epsg: int,
    spacing_m: float = 40.0,
    offset_m: float = 8.0,
) -> list[dict[str, str]]:
    """BAN rows: along each street, a number every ``spacing_m`` metres on each side (odd left, even right),
    set back ``offset_m`` metres from the street's line; in a stable order (streets by name)."""
    rows: list[dict[str, str]] = []
    for s, name in enumerate(sorted(streets)):
        metric = transform_geom(streets[name], 4326, epsg)
        parts = list(getattr(metric, "geoms", [metric]))
        start = 0.0
        for part in parts:
            if part.length < spacing_m:
                continue
            for side, sign in ((0, 1.0), (1, -1.0)):
                shifted = part.offset_curve(sign * offset_m)
                if shifted.is_empty:
                    continue
                steps = int(shifted.length // spacing_m)
                for i in range(steps):
                    point = shifted.interpolate((i + 0.5) * spacing_m)
                    lon, lat = shapely.get_coordinates(transform_geom(point, epsg, 4326))[0]
                    n = 2 * (int(start) + i) + 1 + side
                    fantoir = f"{insee}_{s:04d}"
                    rows.append(
                        {
                            **dict.fromkeys(BAN_COLUMNS, ""),
                            "id": f"{fantoir}_{n:05d}",
                            "id_fantoir": fantoir,
                            "numero": str(n),
                            "nom_voie": name,
                            "code_postal": postcode,
                            "code_insee": insee,
                            "nom_commune": city,
                            "x": f"{point.x:.2f}",
                            "y": f"{point.y:.2f}",
                            "lon": f"{lon:.7f}",
                            "lat": f"{lat:.7f}",
                            "type_position": "entrée",
                            "source_position": "synthétique",
                            "source_nom_voie": "synthétique",
                            "certification_commune": "0",
                        }
                    )
            start += part.length // spacing_m + 1
    return rows


def write_ban(rows: list[dict[str, str]], path: Path) -> Path:
    """Write ``rows`` as a BAN CSV file (``;``-separated, UTF-8, the 23 official columns)."""
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=list(BAN_COLUMNS), delimiter=";")
        writer.writeheader()
        writer.writerows(rows)
    return path
