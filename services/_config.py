"""Settings mapped to domain configuration, once: every service asks here, nothing else reads settings."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from alerts import AlertConfig
    from gis import Geocoder
    from notify import NotifyConfig
    from sectors import SectorRules
    from settings import Settings


def settings() -> Settings:
    """The process-wide settings (read once from the environment)."""
    from settings import get_settings

    return get_settings()


def alert_config() -> AlertConfig:
    """The alerts domain's configuration from the settings."""
    from alerts import AlertConfig

    return AlertConfig.from_settings(settings())


def sector_rules() -> SectorRules:
    """The geometric rules every sector set is checked against."""
    from sectors import SectorRules

    s = settings()
    return SectorRules(s.within_tolerance_m, s.overlap_tolerance_m2, s.repair_min_area_ratio)


def geocoder(session: Session) -> Geocoder:
    """The geocoder chosen by ``VOISINAGE_GEOCODER``: the local BAN base, or the online BAN API.

    Every path that turns an address into a point (members, alerts, the app's suggestions) gets it here.
    """
    s = settings()
    if s.geocoder == "ban_api":
        from gis import BanApiGeocoder

        return BanApiGeocoder(s.ban_api_url, s.ban_api_timeout_s)
    from store import LocalGeocoder

    return LocalGeocoder(session, min_score=s.geocode_min_score)


def notify_config() -> NotifyConfig:
    """The notifications' configuration from the settings (also handed to :func:`notify.configure`)."""
    from notify import NotifyConfig

    return NotifyConfig.from_settings(settings())


def streets_cache_dir() -> Path:
    """Where downloaded OpenStreetMap streets are cached (a relative setting is under the project root)."""
    from settings import PROJECT_ROOT

    path = Path(settings().streets_cache_dir)
    return path if path.is_absolute() else PROJECT_ROOT / path
