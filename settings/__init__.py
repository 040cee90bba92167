"""The one typed settings object of Voisinage.

Every setting is declared once here, with its default and its help text (the ``description``), and read
from the environment with the ``VOISINAGE_`` prefix (or a ``.env`` file). ``.env.example`` documents all
of them; ``tests/test_settings.py`` fails when one is missing there.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SQLITE_PATH = PROJECT_ROOT / "data" / "voisinage.sqlite3"


class Settings(BaseSettings):
    """All settings, read from ``VOISINAGE_*`` environment variables."""

    model_config = SettingsConfigDict(env_prefix="VOISINAGE_", env_file=".env", extra="ignore")

    database_url: str = Field(
        default=f"sqlite:///{DEFAULT_SQLITE_PATH}",
        description=(
            "Database URL. Default: an embedded SQLite file under data/. Production: "
            "postgresql+psycopg://user:password@host/dbname (PostgreSQL with PostGIS)."
        ),
    )
    max_upload_mb: float = Field(
        default=50.0,
        gt=0,
        description="Largest geographic file (boundary, sectors) accepted, in megabytes; larger files are "
        "refused before being read.",
    )
    within_tolerance_m: float = Field(
        default=1.0,
        ge=0,
        description="How far (metres) a sector may stick out of its commune before it is refused.",
    )
    overlap_tolerance_m2: float = Field(
        default=1.0,
        ge=0,
        description="Largest overlap (square metres) tolerated between two sectors of one set.",
    )
    repair_min_area_ratio: float = Field(
        default=0.99,
        gt=0,
        le=1,
        description="An invalid polygon is repaired only when the repair keeps at least this share of its area.",
    )
    lookup_cells_per_sector: int = Field(
        default=400,
        ge=16,
        description="Cells per sector of the in-memory grid that locates points in sectors (embedded backend and "
        "batch lookups): more cells, faster lookups and more memory (10,000 sectors x 400 = 4 million cells, 16 MB).",
    )
    lookup_cache_seconds: float = Field(
        default=5.0,
        ge=0,
        description="How long a process may answer point lookups from its in-memory copy of the active sector set "
        "before checking whether another set was activated.",
    )
    # ---------------------------------------------------------------- alerts
    alert_border_distance_m: float = Field(
        default=150.0,
        ge=0,
        description="An alert is also diffused to a neighbouring sector when its point lies within this distance "
        "(metres, in the commune's metric CRS) of that sector.",
    )
    alert_privacy_k: int = Field(
        default=10,
        ge=1,
        description="Residents never see an alert's exact point: they see a street segment or the smallest cell "
        "holding at least this many addresses.",
    )
    alert_retention_months: int = Field(
        default=12,
        ge=1,
        description="Closed alerts are anonymised this many months after closing (counts are kept for statistics).",
    )
    alert_rate_limit_posts: int = Field(
        default=5,
        ge=1,
        description="Most alerts one member may post within alert_rate_limit_hours.",
    )
    alert_rate_limit_hours: float = Field(
        default=24.0,
        gt=0,
        description="Length (hours) of the window of the per-member posting limit.",
    )
    alert_duplicate_radius_m: float = Field(
        default=300.0,
        ge=0,
        description="An alert of the same category within this distance (metres) is offered as a probable duplicate.",
    )
    alert_duplicate_hours: float = Field(
        default=6.0,
        ge=0,
        description="An alert of the same category posted within this many hours is offered as a probable duplicate.",
    )
    alert_check_policy: str = Field(
        default="",
        description="What each pre-publication check does, as rule=action pairs separated by commas (rules: nom, "
        "plaque, telephone, courriel, origine, accusation; actions: refuser, moderer). Empty: the defaults "
        "(accusation=moderer, every other rule refuses).",
    )
    alert_premoderation: bool = Field(
        default=False,
        description="Default for communes that have not chosen: when true every alert is read by a moderator "
        "before publication.",
    )
    alert_claim_minutes: float = Field(
        default=15.0,
        gt=0,
        description="How long a moderator holds an alert they opened; other moderators see it is taken.",
    )
    streets_cache_dir: Path = Field(
        default=Path("data/cache/osm"),
        description="Folder where streets downloaded from OpenStreetMap (voisinage sectors generate --streets osm) "
        "are cached, one GeoJSON per commune; relative paths start at the project folder. Delete a file to "
        "download it again.",
    )
    max_streets_mb: float = Field(
        default=300.0,
        gt=0,
        description="Largest street file (.osm, .osm.pbf, Overpass .geojson) accepted by sector generation, in "
        "megabytes; cut larger extracts around the commune first (osmium extract).",
    )

    geocoder: Literal["local", "ban_api"] = Field(
        default="local",
        description="Geocoder used for addresses: 'local' (the BAN file imported with 'voisinage addresses import', "
        "works offline) or 'ban_api' (the online BAN API at ban_api_url).",
    )
    ban_api_url: str = Field(
        default="https://api-adresse.data.gouv.fr",
        description="Root URL of the online BAN geocoding API (used only when geocoder=ban_api).",
    )
    ban_api_timeout_s: float = Field(
        default=5.0, gt=0, description="Seconds to wait for the online BAN API before giving up."
    )
    geocode_min_score: float = Field(
        default=0.6,
        gt=0,
        le=1,
        description="Lowest score (0-1) for a local geocoding match to be accepted; below it the address is "
        "reported as not found.",
    )
    session_hours: float = Field(
        default=12.0, gt=0, description="How long a login session stays valid, in hours (then sign in again)."
    )
    login_max_failures: int = Field(
        default=5,
        ge=1,
        description="Failed logins tolerated for one e-mail within login_window_minutes before further "
        "attempts are refused.",
    )
    login_window_minutes: float = Field(
        default=15.0, gt=0, description="Window (minutes) over which failed logins are counted for the rate limit."
    )
    invitation_days: float = Field(
        default=14.0,
        gt=0,
        description="How long an invitation token (account created without a password) stays valid, in days.",
    )
    stats_min_count: int = Field(
        default=5,
        ge=1,
        description="Statistics: alert figures below this count are hidden from residents and referents "
        "(shown as '< N'); staff (mairie, gendarmerie, platform admin) see every figure.",
    )
    heat_cell_m: float = Field(
        default=250.0,
        gt=0,
        description="Heat map: cell size in metres (square side, or hexagon circumradius) in the commune's metric CRS.",
    )
    heat_min_count: int = Field(
        default=5,
        ge=1,
        description="Heat map: cells holding fewer alerts than this are dropped for non-staff roles.",
    )
    # ---------------------------------------------------------------- storage: isolation, locking, durability
    migration_database_url: str | None = Field(
        default=None,
        description="PostgreSQL: URL of the role that owns the tables and runs the migrations (voisinage db init). "
        "Default: VOISINAGE_DATABASE_URL. In production the two differ: the app connects as a login role that owns "
        "nothing, is not superuser and has no BYPASSRLS (db init creates it from VOISINAGE_DATABASE_URL).",
    )
    sqlite_busy_timeout_s: float = Field(
        default=10.0,
        gt=0,
        description="Embedded SQLite: how long (seconds) a write waits for another writer (an address import, say) "
        "before it is retried, then refused with a 'database busy' message.",
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Return the process-wide settings (read once from the environment)."""
    return Settings()


__all__ = ["DEFAULT_SQLITE_PATH", "PROJECT_ROOT", "Settings", "get_settings"]
