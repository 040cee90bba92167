"""Base tiles chosen by the ``map_tiles`` setting: none, IGN's Géoplateforme, OpenStreetMap, or a template."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from gis import InputError

_IGN = (
    "https://data.geopf.fr/wmts?REQUEST=GetTile&SERVICE=WMTS&VERSION=1.0.0&STYLE=normal&TILEMATRIXSET=PM"
    "&FORMAT=image/png&LAYER=GEOGRAPHICALGRIDSYSTEMS.PLANIGNV2&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}"
)
_OSM = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"


@dataclass(frozen=True)
class TileSpec:
    """Where the base tiles come from: ``url`` None means no tiles (the commune's streets are drawn)."""

    url: str | None
    attribution: str = ""

    @property
    def origin(self) -> str | None:
        """``scheme://host[:port]`` of the tile server (for the Content-Security-Policy), None without tiles."""
        if self.url is None:
            return None
        parts = urlsplit(self.url)
        return f"{parts.scheme}://{parts.netloc}"


def tile_spec(setting: str) -> TileSpec:
    """The tiles named by the ``map_tiles`` setting.

    Raises
    ------
    InputError
        ``field="map_tiles"`` for a template that is not an http(s) URL with ``{z}``, ``{x}`` and ``{y}``.
    """
    value = setting.strip()
    if value.lower() in {"", "none"}:
        return TileSpec(None)
    if value.lower() == "ign":
        return TileSpec(_IGN, "© IGN – Géoplateforme")
    if value.lower() == "osm":
        return TileSpec(_OSM, "© les contributeurs d'OpenStreetMap")
    parts = urlsplit(value)
    if parts.scheme not in {"http", "https"} or not parts.netloc or not all(k in value for k in ("{z}", "{x}", "{y}")):
        raise InputError(
            "Réglage des fonds de carte invalide : « none », « ign », « osm » ou une adresse "
            "https://…/{z}/{x}/{y}.png sont attendus.",
            field="map_tiles",
        )
    return TileSpec(value, f"Fond de carte : {parts.netloc}")
