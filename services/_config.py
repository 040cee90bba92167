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
    from dataclasses import replace

    from notify import NotifyConfig

    s = settings()
    return replace(NotifyConfig.from_settings(s), secret=s.notify_secret or notify_key_file_secret())


NOTIFY_KEY_FILE = "notify-secret.key"


def notify_key_file_secret(directory: Path | None = None) -> str:
    """The notifications' key kept in ``data/notify-secret.key`` (created with a random key, owner-only, on
    first use; every process of the machine reads the same file)."""
    import os
    import secrets

    from settings import PROJECT_ROOT

    path = (directory or PROJECT_ROOT / "data") / NOTIFY_KEY_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another process wrote it first: read theirs
        else:
            with os.fdopen(fd, "w", encoding="ascii") as out:
                out.write(secrets.token_urlsafe(32) + "\n")
    for _ in range(50):  # the writer of another process may not have flushed yet
        key = path.read_text(encoding="ascii").strip()
        if key:
            return key
        import time

        time.sleep(0.02)
    raise RuntimeError(f"{path} est vide : supprimez-le ou donnez VOISINAGE_NOTIFY_SECRET.")


def streets_cache_dir() -> Path:
    """Where downloaded OpenStreetMap streets are cached (a relative setting is under the project root)."""
    from settings import PROJECT_ROOT

    path = Path(settings().streets_cache_dir)
    return path if path.is_absolute() else PROJECT_ROOT / path
