"""The metric CRS of a commune, from its INSEE code."""

from __future__ import annotations

import re

from gis._errors import InputError

LAMBERT_93 = 2154

# Official projections of the overseas départements and collectivities (IGN / décret 2006-272 and later).
OVERSEAS_CRS: dict[str, tuple[int, str]] = {
    "971": (5490, "Guadeloupe — RGAF09 / UTM 20N"),
    "972": (5490, "Martinique — RGAF09 / UTM 20N"),
    "973": (2972, "Guyane — RGFG95 / UTM 22N"),
    "974": (2975, "La Réunion — RGR92 / UTM 40S"),
    "975": (4467, "Saint-Pierre-et-Miquelon — RGSPM06 / UTM 21N"),
    "976": (4471, "Mayotte — RGM04 / UTM 38S"),
    "977": (5490, "Saint-Barthélemy — RGAF09 / UTM 20N"),
    "978": (5490, "Saint-Martin — RGAF09 / UTM 20N"),
}

INSEE_PATTERN = re.compile(r"^(?:\d{5}|2[AB]\d{3})$")


def check_insee(insee: str) -> str:
    """Return the normalised INSEE code, or raise :class:`InputError` when it is malformed."""
    code = str(insee).strip().upper()
    if not INSEE_PATTERN.match(code):
        raise InputError(
            f"Code INSEE invalide : « {insee} ». Un code commune a 5 caractères (ex. 91095 ; 2A004 en Corse)."
        )
    return code


def metric_crs(insee: str) -> int:
    """EPSG code of the metric CRS in which lengths, areas and buffers of this commune are computed.

    Lambert-93 (EPSG:2154) in metropolitan France and Corsica; the official local UTM projection overseas.

    Parameters
    ----------
    insee : str
        The commune's INSEE code (5 characters).

    Returns
    -------
    int
        An EPSG code.
    """
    code = check_insee(insee)
    if code[:3] in OVERSEAS_CRS:
        return OVERSEAS_CRS[code[:3]][0]
    return LAMBERT_93


def require_metric(crs: object, what: str = "cette opération") -> None:
    """Refuse unprojected (degree) input to a function that needs metres, saying what to call."""
    from pyproj import CRS

    if crs is None or not CRS.from_user_input(crs).is_projected:
        raise InputError(
            f"{what} demande des coordonnées en mètres ; reçu : {crs or 'aucun système de coordonnées'}. "
            "Projetez d'abord avec gis.to_metric(geodataframe, insee) (Lambert-93 en métropole)."
        )
