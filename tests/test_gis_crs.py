"""Metric CRS of a commune and the refusal of unprojected input."""

from __future__ import annotations

import pytest

from gis import InputError, check_insee, metric_crs, require_metric


@pytest.mark.parametrize(
    ("insee", "epsg"),
    [
        ("91095", 2154),  # Essonne
        ("75113", 2154),  # Paris
        ("2A004", 2154),  # Ajaccio (Corse-du-Sud)
        ("2b033", 2154),  # Bastia, lower case accepted
        ("97105", 5490),  # Basse-Terre, Guadeloupe
        ("97209", 5490),  # Fort-de-France, Martinique
        ("97302", 2972),  # Cayenne, Guyane
        ("97411", 2975),  # Saint-Denis, La Réunion
        ("97502", 4467),  # Saint-Pierre-et-Miquelon
        ("97611", 4471),  # Mamoudzou, Mayotte
        ("97701", 5490),  # Saint-Barthélemy
        ("97801", 5490),  # Saint-Martin
    ],
)
def test_metric_crs(insee: str, epsg: int) -> None:
    assert metric_crs(insee) == epsg


@pytest.mark.parametrize("bad", ["", "9109", "910950", "ABCDE", "2C004", "91 09"])
def test_malformed_insee_is_refused_in_french(bad: str) -> None:
    with pytest.raises(InputError, match="Code INSEE invalide"):
        check_insee(bad)


def test_require_metric_refuses_degrees_and_names_the_fix() -> None:
    require_metric("EPSG:2154")
    with pytest.raises(InputError, match="to_metric"):
        require_metric("EPSG:4326", "Le calcul de surface")
    with pytest.raises(InputError, match="mètres"):
        require_metric(None)
