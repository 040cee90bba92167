"""A seeded synthetic city: a jittered street grid inside an irregular commune, with a river and a railway.

Used by the property tests and the generation benchmark (1,000 / 3,000 / 10,000 blocks). The streets come out
in the canonical street columns of :func:`gis.load_streets` (OSM tags), in Lambert-93 around Orsay, so every
step downstream runs exactly as on real data.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry import LineString, Polygon

CRS = 2154
_ORIGIN = (640_000.0, 6_840_000.0)  # Lambert-93, near Orsay
_STREET_WORDS = (
    "des Lilas", "de la Gare", "Victor Hugo", "Jean Jaurès", "des Écoles", "du Moulin", "Pasteur", "de la Paix",
    "des Tilleuls", "du Stade", "de Paris", "Foch", "Gambetta", "de la République", "du Château", "des Roses",
    "Voltaire", "de l'Église", "Carnot", "des Acacias", "du Parc", "Jean Moulin", "de Verdun", "des Prés",
)  # fmt: skip
_TYPES = ("rue", "avenue", "allée", "boulevard", "chemin")


@dataclass(frozen=True)
class SyntheticCity:
    """Streets (canonical columns, EPSG:2154) and the commune boundary (EPSG:2154)."""

    streets: gpd.GeoDataFrame
    boundary: Polygon
    seed: int

    @property
    def crs(self) -> int:
        return CRS

    def boundary_wgs84(self) -> Polygon:
        """The boundary in EPSG:4326, as a commune is stored."""
        return gpd.GeoSeries([self.boundary], crs=CRS).to_crs(4326).iloc[0]

    def address_lonlat(self, per_km2: float = 2_000.0, seed: int | None = None) -> np.ndarray:
        """Random address points (lon/lat) inside the commune, denser towards its centre."""
        rng = np.random.default_rng(self.seed if seed is None else seed)
        minx, miny, maxx, maxy = self.boundary.bounds
        n = max(1, int(self.boundary.area / 1e6 * per_km2))
        cx, cy = self.boundary.centroid.x, self.boundary.centroid.y
        pts = np.column_stack([rng.normal(cx, (maxx - minx) / 4, 3 * n), rng.normal(cy, (maxy - miny) / 4, 3 * n)])
        inside = shapely.contains_xy(self.boundary, pts[:, 0], pts[:, 1])
        pts = pts[inside][:n]
        lonlat = gpd.GeoSeries(shapely.points(pts), crs=CRS).to_crs(4326)
        return np.column_stack([lonlat.x.to_numpy(), lonlat.y.to_numpy()])

    def write_overpass_geojson(self, path: str | Path) -> Path:
        """Write the streets as an Overpass GeoJSON export (EPSG:4326, properties = tags, ``@id``)."""
        path = Path(path)
        wgs = self.streets.to_crs(4326)
        features = []
        for osm_id, tags, geom in zip(wgs["osm_id"], wgs["tags"], wgs.geometry, strict=True):
            props = {"@id": osm_id, **tags}
            features.append({"type": "Feature", "properties": props, "geometry": shapely.geometry.mapping(geom)})
        path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
        return path


def _street_frame(lines: list[LineString], tags: list[dict[str, str]]) -> gpd.GeoDataFrame:
    for i, t in enumerate(tags):
        t["@id"] = f"way/{1_000_000 + i}"
    return gpd.GeoDataFrame(
        {
            "osm_id": [t["@id"] for t in tags],
            "highway": [t.get("highway") for t in tags],
            "railway": [t.get("railway") for t in tags],
            "waterway": [t.get("waterway") for t in tags],
            "name": [t.get("name") for t in tags],
            "tunnel": [t.get("tunnel") for t in tags],
            "tags": [{k: v for k, v in t.items() if k != "@id"} for t in tags],
        },
        geometry=gpd.GeoSeries(lines, crs=CRS),
        crs=CRS,
    )


def synthetic_city(
    n_blocks: int,
    seed: int = 0,
    *,
    block_m: float = 90.0,
    jitter: float = 0.25,
    river: bool = True,
    railway: bool = True,
    dead_ends: float = 0.1,
) -> SyntheticCity:
    """Build a synthetic city of about ``n_blocks`` street blocks.

    Parameters
    ----------
    n_blocks
        Wanted number of blocks (the result is close, not exact: the river and railway add some, the
        irregular boundary removes some).
    seed
        Seed of every random choice: the same seed gives the same city.
    block_m
        Mean block side, in metres.
    jitter
        Grid node displacement, as a share of the block side.
    river, railway
        Add a sinuous river and a straight railway across the city (barriers).
    dead_ends
        Share of blocks that receive a dead-end street (does not cut blocks; tests robustness).

    Returns
    -------
    SyntheticCity
    """
    rng = np.random.default_rng(seed)
    # An ellipse-like boundary covers about pi/4 of the grid square.
    side = max(3, int(np.ceil(np.sqrt(n_blocks * 4 / np.pi))) + 1)
    ox, oy = _ORIGIN
    gx, gy = np.meshgrid(np.arange(side + 1, dtype=float), np.arange(side + 1, dtype=float), indexing="ij")
    gx = ox + (gx + rng.uniform(-jitter, jitter, gx.shape)) * block_m
    gy = oy + (gy + rng.uniform(-jitter, jitter, gy.shape)) * block_m
    lines: list[LineString] = []
    tags: list[dict[str, str]] = []
    major_every = max(4, side // 6)

    def street_tags(i: int, horizontal: bool) -> dict[str, str]:
        kind = (
            "secondary"
            if i % major_every == 0
            else ("tertiary" if i % major_every == major_every // 2 else "residential")
        )
        word = _STREET_WORDS[(i * 7 + (3 if horizontal else 0)) % len(_STREET_WORDS)]
        typ = "avenue" if kind != "residential" else _TYPES[(i + (1 if horizontal else 0)) % len(_TYPES)]
        return {"highway": kind, "name": f"{typ.capitalize()} {word} {i + 1}"}

    for i in range(side + 1):
        lines.append(LineString(np.column_stack([gx[i, :], gy[i, :]])))
        tags.append(street_tags(i, False))
        lines.append(LineString(np.column_stack([gx[:, i], gy[:, i]])))
        tags.append(street_tags(i, True))
    # Dead ends: a short service street from a grid node into a block.
    for _ in range(int(dead_ends * side * side)):
        i, j = rng.integers(0, side, 2)
        x, y = gx[i, j], gy[i, j]
        lines.append(LineString([(x, y), (x + 0.4 * block_m, y + 0.35 * block_m)]))
        tags.append({"highway": "service"})
    extent = side * block_m
    cx, cy = ox + extent / 2, oy + extent / 2
    if river:
        t = np.linspace(-0.1, 1.1, 200)
        phase = rng.uniform(0, 2 * np.pi)
        rx = ox + t * extent
        ry = cy + 0.15 * extent * np.sin(2 * np.pi * t * 1.5 + phase) + 0.37 * block_m
        lines.append(LineString(np.column_stack([rx, ry])))
        tags.append({"waterway": "river", "name": "La Rivière"})
    if railway:
        angle = rng.uniform(0.3, 1.2)
        dx, dy = np.cos(angle) * extent * 0.8, np.sin(angle) * extent * 0.8
        lines.append(LineString([(cx - dx, cy - dy), (cx + dx, cy + dy)]))
        tags.append({"railway": "rail"})
        # A railway tunnel must not cut anything.
        lines.append(LineString([(cx - dy * 0.3, cy + dx * 0.3), (cx + dy * 0.3, cy - dx * 0.3)]))
        tags.append({"railway": "rail", "tunnel": "yes"})
    # Irregular boundary: a wobbly ellipse inside the grid.
    theta = np.linspace(0, 2 * np.pi, 90, endpoint=False)
    wobble = 1 + 0.06 * np.sin(3 * theta + rng.uniform(0, 6)) + 0.04 * np.sin(5 * theta + rng.uniform(0, 6))
    radius = extent / 2 * 0.97 * wobble
    boundary = Polygon(np.column_stack([cx + radius * np.cos(theta), cy + radius * np.sin(theta)]))
    return SyntheticCity(streets=_street_frame(lines, tags), boundary=boundary, seed=seed)


__all__ = ["CRS", "SyntheticCity", "synthetic_city"]
