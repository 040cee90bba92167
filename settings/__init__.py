"""The one typed settings object of Voisinage.

Every setting is declared once here, with its default and its help text (the ``description``), and read
from the environment with the ``VOISINAGE_`` prefix (or a ``.env`` file). ``.env.example`` documents all
of them; ``tests/test_settings.py`` fails when one is missing there.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError
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
    signup_per_client_per_hour: int = Field(
        default=10,
        ge=1,
        description="Web sign-ups accepted per hour from one connection (client address), in this server process: "
        "each sends an invitation e-mail.",
    )
    signup_per_commune_per_hour: int = Field(
        default=200,
        ge=1,
        description="Web sign-ups accepted per hour in one commune, whatever their origin (bounds the invitation "
        "e-mails a flood of sign-ups can send).",
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
    # ---------------------------------------------------------------- absences (holiday watch)
    absence_alert_radius_m: float = Field(
        default=100.0,
        gt=0,
        description="An alert posted within this distance (metres) of the home of a member declared absent is "
        "flagged to those who may see the absence (the mairie, the open gendarmerie, the trusted neighbour).",
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

    # ---------------------------------------------------------------- notifications (notify/, H7)
    public_url: str = Field(
        default="http://localhost:8501",
        description="Public address of the app, used for the links in e-mails and SMS (no trailing slash).",
    )
    notify_staging: bool = Field(
        default=False,
        description="Staging switch: when true the dispatcher sends nothing out (no e-mail, no SMS) and logs what "
        "would have gone; messages are marked sent.",
    )
    notify_poll_seconds: float = Field(
        default=1.0,
        gt=0,
        description="How often an idle dispatcher looks for messages to send (SQLite polls; PostGIS is also woken "
        "at once by LISTEN/NOTIFY).",
    )
    notify_batch: int = Field(
        default=200,
        ge=1,
        description="Messages one dispatcher claims at a time (a killed dispatcher holds them until its lease "
        "runs out).",
    )
    notify_workers: int = Field(
        default=4,
        ge=1,
        le=64,
        description="Sending threads of one dispatcher, each with its own SMTP connection (messages of a batch "
        "leave in parallel).",
    )
    notify_lease_seconds: float = Field(
        default=120.0,
        gt=0,
        description="A claimed message not marked sent after this many seconds (dispatcher killed) is sent again, "
        "with the same Message-ID.",
    )
    notify_max_attempts: int = Field(
        default=8, ge=1, description="Tries before a message becomes a dead letter the mairie sees with its reason."
    )
    notify_backoff_seconds: float = Field(
        default=30.0,
        gt=0,
        description="First retry delay; each further retry waits twice as long (with random jitter), up to "
        "notify_backoff_max_seconds.",
    )
    notify_backoff_max_seconds: float = Field(
        default=3600.0, gt=0, description="Longest wait between two tries of one message."
    )
    notify_digest_hour: int = Field(
        default=18,
        ge=0,
        le=23,
        description="Hour (Europe/Paris) at which the daily digest of solidarity posts is e-mailed to members who "
        "chose it.",
    )
    smtp_host: str = Field(default="", description="SMTP server for e-mails (empty: e-mails are not sent).")
    smtp_port: int = Field(default=587, ge=1, le=65535, description="SMTP server port (587 STARTTLS, 465 TLS).")
    smtp_user: str = Field(default="", description="SMTP login (empty: no authentication).")
    smtp_password: str = Field(default="", description="SMTP password.")
    smtp_from: str = Field(
        default="Voisinage <ne-pas-repondre@voisinage.local>", description="Sender address of the e-mails."
    )
    smtp_tls: Literal["starttls", "tls", "none"] = Field(
        default="starttls",
        description="SMTP encryption: starttls (upgrade a plain connection, port 587), tls (implicit TLS, port 465) "
        "or none (local relay only).",
    )
    smtp_timeout_s: float = Field(default=20.0, gt=0, description="Seconds to wait for the SMTP server.")
    sms_gateway_url: str = Field(
        default="",
        description="HTTP gateway the SMS are POSTed to (empty: no SMS is sent). See notify/_sms.py for the request "
        "templates (generic JSON, Brevo).",
    )
    sms_gateway_key: str = Field(default="", description="Secret key sent to the SMS gateway in a header.")
    sms_gateway_template: Literal["generic", "brevo"] = Field(
        default="generic",
        description="Shape of the SMS gateway request: generic (JSON {to, text}, header X-Api-Key), brevo "
        "(Brevo transactional SMS API, French provider, header api-key).",
    )
    sms_sender: str = Field(default="VOISINAGE", description="Sender name shown on SMS (11 characters at most).")
    sms_monthly_budget: int = Field(
        default=500,
        ge=0,
        description="SMS each commune may send per calendar month; beyond it SMS stop and the mairie is told.",
    )
    sms_inbound_secret: str = Field(
        default="",
        description="Shared secret of the SMS gateway for POST /sms/inbound (HMAC-SHA256 of the raw body in the "
        "X-Voisinage-Signature header). Empty: inbound SMS are refused.",
    )
    sms_premoderation: bool = Field(
        default=True,
        description="Alerts sent by SMS wait for a moderator before publication (unless the commune chose "
        "otherwise for every alert).",
    )
    sms_inbound_window_s: float = Field(
        default=300.0,
        gt=0,
        description="Inbound SMS whose timestamp is further than this from now are refused (replay window).",
    )
    # ---------------------------------------------------------------- app server (voisinage serve)
    # ---------------------------------------------------------------- notifications' secrets and TLS (notify2)
    notify_secret: str = Field(
        default="",
        description="Secret key of the notifications: encrypts the account codes (invitation, password reset) "
        "waiting in the outbox and signs the one-click unsubscribe links. Every process (serve, dispatch) must "
        "share it. Empty: a random key is generated once into data/notify-secret.key (owner-only file, kept "
        "out of the database).",
    )
    smtp_ca_file: str = Field(
        default="",
        description="PEM file of the certificate authorities trusted for the SMTP server's certificate "
        "(STARTTLS or TLS); empty: the system's authorities. The host name is always checked.",
    )

    map_tiles: str = Field(
        default="none",
        description="Base map tiles: 'none' (no third party: the commune's own streets are drawn), 'ign' "
        "(Géoplateforme Plan IGN), 'osm' (OpenStreetMap) or an XYZ URL template https://host/{z}/{x}/{y}.png. "
        "Any tile host receives the residents' IP addresses.",
    )
    map_streets_file: str = Field(
        default="",
        description="With map_tiles=none: an OpenStreetMap streets file (GeoJSON, GeoPackage, .osm.pbf) drawn as "
        "the map's background, clipped to the commune. Empty: the map shows the commune and its sectors only.",
    )
    demo_mode: bool = Field(
        default=False,
        description="Demo server: the sign-in page lists the demo accounts and their passwords. Never in production.",
    )
    secure_cookies: Literal["auto", "always"] = Field(
        default="auto",
        description="Session cookies marked Secure: 'auto' when the request came over HTTPS (directly or through "
        "a trusted proxy's X-Forwarded-Proto), 'always' whatever the request.",
    )
    password_reset_minutes: float = Field(
        default=60.0,
        gt=0,
        description="How long the link to choose a new password (forgotten password) stays valid, in minutes.",
    )
    trusted_proxies: str = Field(
        default="127.0.0.1",
        description="Comma-separated addresses of reverse proxies whose X-Forwarded-Proto / X-Forwarded-For "
        "headers are trusted by voisinage serve.",
    )


class SettingsError(ValueError):
    """A setting has a value Voisinage cannot use; the message, in French, names the variable and the fix."""


# pydantic's error types -> what the French message says is expected.
_EXPECTED = {
    "float_parsing": "un nombre (ex. 2.5)",
    "int_parsing": "un nombre entier",
    "int_from_float": "un nombre entier",
    "bool_parsing": "true ou false",
    "greater_than": "un nombre supérieur à {gt}",
    "greater_than_equal": "un nombre supérieur ou égal à {ge}",
    "less_than": "un nombre inférieur à {lt}",
    "less_than_equal": "un nombre inférieur ou égal à {le}",
    "literal_error": "l'une des valeurs {expected}",
    "string_too_short": "au moins {min_length} caractère(s)",
    "string_too_long": "au plus {max_length} caractère(s)",
}


def describe_error(error: dict[str, Any]) -> str:
    """One French line for one pydantic validation error of the settings: variable, value given, expected."""
    field = str(error["loc"][0]) if error.get("loc") else "?"
    variable = f"VOISINAGE_{field.upper()}"
    template = _EXPECTED.get(str(error.get("type")), "une autre valeur")
    context = {
        k: (str(v).replace("'", "").replace(" or ", " ou ") if k == "expected" else v)
        for k, v in (error.get("ctx") or {}).items()
    }
    try:
        expected = template.format(**context)
    except (KeyError, IndexError):
        expected = "une autre valeur"
    given = error.get("input")
    shown = f"« {given} »" if isinstance(given, str | int | float) else "la valeur donnée"
    return f"{variable} vaut {shown} : attendu {expected}."


def load_settings() -> Settings:
    """Read the settings from the environment and ``.env``.

    Raises
    ------
    SettingsError
        A variable has a value that cannot be used (French message naming each variable concerned).
    """
    try:
        return Settings()
    except ValidationError as exc:
        lines = [describe_error(dict(e)) for e in exc.errors()]
        raise SettingsError("Réglage invalide : " + " ".join(lines)) from None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Return the process-wide settings (read once from the environment); :class:`SettingsError` when invalid."""
    return load_settings()


__all__ = ["DEFAULT_SQLITE_PATH", "PROJECT_ROOT", "Settings", "SettingsError", "describe_error", "get_settings"]
