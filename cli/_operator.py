"""What the members, referents, gendarmerie and address commands share: the operator and the geocoder."""

from __future__ import annotations

import getpass

from sqlalchemy.orm import Session

from community import Actor
from gis import BanApiGeocoder, Geocoder
from settings import get_settings
from store import LocalGeocoder


def operator() -> Actor:
    """The person running the command, acting as platform admin (named in the audit log by their OS login)."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # pragma: no cover - no login name in some containers
        user = "inconnu"
    return Actor.operator(label=f"opérateur CLI ({user})")


def geocoder(session: Session) -> Geocoder:
    """The geocoder chosen by the settings: the local BAN base, or the online BAN API."""
    settings = get_settings()
    if settings.geocoder == "ban_api":
        return BanApiGeocoder(settings.ban_api_url, settings.ban_api_timeout_s)
    return LocalGeocoder(session, min_score=settings.geocode_min_score)
