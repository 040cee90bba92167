"""Adapter for the online BAN geocoder (``api-adresse.data.gouv.fr`` and compatible servers, e.g. addok).

Used only when the setting ``geocoder`` is ``ban_api``; tests point it at a local server.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

from gis._errors import InputError
from gis._geocode import GeocodeResult


class GeocoderUnavailableError(InputError):
    """The online geocoder did not answer (network, timeout, bad answer)."""


def _feature_to_result(feature: dict[str, Any]) -> GeocodeResult:
    props = feature.get("properties") or {}
    lon, lat = (feature.get("geometry") or {}).get("coordinates", [None, None])[:2]
    if lon is None or lat is None:
        raise GeocoderUnavailableError("Réponse du géocodeur BAN invalide : point manquant.")
    number = str(props.get("housenumber") or "")
    digits = "".join(c for c in number if c.isdigit())
    return GeocodeResult(
        label=str(props.get("label", "")),
        lon=float(lon),
        lat=float(lat),
        score=float(props.get("score", 0.0)),
        kind=str(props.get("type", "housenumber")),
        ban_id=str(props.get("id", "")),
        insee=str(props.get("citycode", "")),
        numero=int(digits) if digits else None,
        rep=number[len(digits) :].strip().lower(),
        street=str(props.get("street") or props.get("name") or ""),
        postcode=str(props.get("postcode", "")),
        city=str(props.get("city", "")),
        distance_m=float(props["distance"]) if "distance" in props else None,
    )


@dataclass(frozen=True)
class BanApiGeocoder:
    """Forward and reverse geocoding through the BAN HTTP API.

    Parameters
    ----------
    base_url
        Root of the service, e.g. ``https://api-adresse.data.gouv.fr``.
    timeout_s
        Seconds to wait for an answer.
    """

    base_url: str
    timeout_s: float = 5.0

    def _get(self, path: str, params: dict[str, Any]) -> dict[str, Any]:
        query = urllib.parse.urlencode({k: v for k, v in params.items() if v is not None})
        url = f"{self.base_url.rstrip('/')}/{path}/?{query}"
        try:
            with urllib.request.urlopen(url, timeout=self.timeout_s) as response:
                payload = json.loads(response.read().decode("utf-8"))
        except (urllib.error.URLError, TimeoutError, OSError, ValueError) as exc:
            raise GeocoderUnavailableError(
                f"Le géocodeur BAN en ligne ({self.base_url}) ne répond pas : {exc}. "
                "Réessayez plus tard ou utilisez la base d'adresses locale (réglage VOISINAGE_GEOCODER=local)."
            ) from exc
        if not isinstance(payload, dict):
            raise GeocoderUnavailableError("Réponse du géocodeur BAN invalide.")
        return payload

    def search(self, text: str, *, insee: str | None = None, limit: int = 1) -> list[GeocodeResult]:
        """Best matches of ``text``, restricted to the commune ``insee`` when given."""
        payload = self._get("search", {"q": text, "citycode": insee, "limit": limit})
        return [_feature_to_result(f) for f in payload.get("features", [])][:limit]

    def reverse(self, lon: float, lat: float, *, insee: str | None = None) -> GeocodeResult | None:
        """The address nearest to (lon, lat), or None (``insee`` is accepted for the common interface)."""
        payload = self._get("reverse", {"lon": lon, "lat": lat, "limit": 1})
        features = payload.get("features", [])
        return _feature_to_result(features[0]) if features else None
