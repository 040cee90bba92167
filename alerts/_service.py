"""Alerts in the store: post, read (feed), moderate, anonymise. Thin over the pure modules.

Every function opens one transaction bound to the acting member's commune (:func:`alerts._access.scoped`
semantics): nothing half-stored, and on PostGIS row-level security confines it to that commune.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import shapely
from shapely.geometry import mapping
from sqlalchemy import Engine, func, insert, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from alerts import _moderation as mod
from alerts._access import Viewer, bind_commune, load_viewer, visible_alerts, visible_id_branches
from alerts._categories import (
    DEFAULT_CATEGORIES,
    Category,
    CategoryOverrides,
    Family,
    effective_categories,
    resolve_category,
)
from alerts._checks import (
    AlertRefusedError,
    CheckPolicy,
    Duplicate,
    Outcome,
    RateLimitError,
    RecentAlert,
    check_rate,
    check_text,
    probable_duplicates,
)
from alerts._perimeter import Perimeter, SectorIndex, SectorRef, diffusion_perimeter, whole_commune, widen
from alerts._retention import ANONYMISED_TEXT, retention_cutoff
from gis import InputError, LocationBlurrer, check_lonlat_bounds
from sectors import active_set
from store import geocode, transaction
from store.schema import (
    Address,
    AddressImport,
    Alert,
    AlertCategoryOverride,
    AlertCommuneSettings,
    AlertEvent,
    AlertSector,
    Commune,
    Sector,
)


@dataclass(frozen=True)
class AlertConfig:
    """The platform's alert settings, passed in by the edges (CLI, app) from :class:`settings.Settings`."""

    border_m: float = 150.0
    privacy_k: int = 10
    rate_posts: int = 5
    rate_window: timedelta = timedelta(hours=24)
    duplicate_radius_m: float = 300.0
    duplicate_window: timedelta = timedelta(hours=6)
    check_policy: str = ""
    premoderation: bool = False
    claim_ttl: timedelta = timedelta(minutes=15)
    retention_months: int = 12
    cache_seconds: float = 5.0

    @classmethod
    def from_settings(cls, s: Any) -> AlertConfig:
        """Build from a :class:`settings.Settings` (or anything with the same ``alert_*`` attributes)."""
        return cls(
            border_m=s.alert_border_distance_m,
            privacy_k=s.alert_privacy_k,
            rate_posts=s.alert_rate_limit_posts,
            rate_window=timedelta(hours=s.alert_rate_limit_hours),
            duplicate_radius_m=s.alert_duplicate_radius_m,
            duplicate_window=timedelta(hours=s.alert_duplicate_hours),
            check_policy=s.alert_check_policy,
            premoderation=s.alert_premoderation,
            claim_ttl=timedelta(minutes=s.alert_claim_minutes),
            retention_months=s.alert_retention_months,
            cache_seconds=s.lookup_cache_seconds,
        )


class DuplicateSuspectedError(InputError):
    """Probable duplicates exist: they are offered to the author, who may confirm a new alert."""

    def __init__(self, duplicates: list[Duplicate]) -> None:
        self.duplicates = duplicates
        lines = [
            f"alerte n°{d.id}, à {d.distance_m:.0f} m, il y a {int(d.age.total_seconds() // 60)} min"
            for d in duplicates
        ]
        super().__init__(
            "Une alerte semblable existe déjà (même catégorie, tout près, récente). Consultez-la et complétez-la "
            "plutôt ; si c'est bien un autre fait, confirmez la publication (option --nouvelle).",
            problems=lines,
        )


@dataclass(frozen=True)
class PostResult:
    """What became of a post."""

    alert_id: int
    status: str
    created: bool
    sectors: tuple[str, ...] = ()
    findings: tuple[str, ...] = field(default_factory=tuple)

    @property
    def message(self) -> str:
        if not self.created:
            return f"Alerte n°{self.alert_id} déjà enregistrée (même clé) : rien de nouveau n'a été créé."
        if self.status == mod.Status.PUBLISHED:
            return f"Alerte n°{self.alert_id} publiée (secteurs : {', '.join(self.sectors)})."
        return f"Alerte n°{self.alert_id} enregistrée : elle sera publiée après relecture par un modérateur."


def _now(now: datetime | None) -> datetime:
    return now or datetime.now(UTC)


def _aware(moment: datetime | None) -> datetime | None:
    """SQLite gives back naive datetimes: every datetime we store is UTC."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


# ------------------------------------------------------------------ per-process caches
_LOCK = threading.Lock()
_INDEXES: dict[tuple[str, int], SectorIndex] = {}
_BLURRERS: dict[tuple[str, str, int], tuple[tuple[int, int], LocationBlurrer]] = {}


def _engine_key(session: Session) -> str:
    return session.get_bind().engine.url.render_as_string(hide_password=False)


def sector_index(session: Session, sector_set_id: int, epsg: int) -> SectorIndex:
    """The :class:`SectorIndex` of a sector set (cached per process; sets are not edited once active)."""
    key = (_engine_key(session), sector_set_id)
    with _LOCK:
        found = _INDEXES.get(key)
    if found is None:
        rows = session.execute(
            select(Sector.id, Sector.code, Sector.name, Sector.geom).where(Sector.sector_set_id == sector_set_id)
        ).all()
        found = SectorIndex([SectorRef(r.id, r.code, r.name, r.geom) for r in rows], epsg)
        with _LOCK:
            _INDEXES[key] = found
    return found


def blurrer(session: Session, commune: Commune, k: int) -> LocationBlurrer:
    """The :class:`LocationBlurrer` over the commune's BAN addresses (rebuilt after each address import)."""
    version = session.execute(
        select(
            select(func.coalesce(func.max(AddressImport.id), 0)).scalar_subquery(),
            select(func.count(Address.id)).where(Address.insee == commune.insee).scalar_subquery(),
        )
    ).one()
    key = (_engine_key(session), commune.insee, k)
    with _LOCK:
        found = _BLURRERS.get(key)
    if found is not None and found[0] == tuple(version):
        return found[1]
    rows = session.execute(
        select(Address.lon, Address.lat, Address.nom_voie, Address.numero).where(Address.insee == commune.insee)
    ).all()
    made = LocationBlurrer(
        np.array([r.lon for r in rows], dtype=float),
        np.array([r.lat for r in rows], dtype=float),
        [r.nom_voie for r in rows],
        [r.numero for r in rows],
        commune.crs_epsg,
        k=k,
    )
    with _LOCK:
        _BLURRERS[key] = (tuple(version), made)
    return made


def clear_caches() -> None:
    """Forget the cached sector indexes, blurrers and commune contexts (tests; after a change of settings)."""
    with _LOCK:
        _INDEXES.clear()
        _BLURRERS.clear()
        _CONTEXTS.clear()


# ------------------------------------------------------------------ commune settings and categories
def commune_categories(session: Session, commune_id: int) -> list[Category]:
    """The categories the commune offers (defaults adjusted by its overrides)."""
    rows = session.scalars(select(AlertCategoryOverride).where(AlertCategoryOverride.commune_id == commune_id)).all()
    if not rows:
        return list(DEFAULT_CATEGORIES)
    defaults = {c.code for c in DEFAULT_CATEGORIES}
    overrides = CategoryOverrides(
        disabled=frozenset(r.code for r in rows if r.code in defaults and not r.enabled),
        labels={r.code: r.label for r in rows if r.code in defaults and r.enabled and r.label},
        extra=tuple(
            Category(r.code, r.label, Family(r.family or Family.SECURITY)) for r in rows if r.code not in defaults
        ),
    )
    return effective_categories(overrides)


def _commune_policy(session: Session, commune_id: int, config: AlertConfig) -> tuple[CheckPolicy, bool]:
    row = session.get(AlertCommuneSettings, commune_id)
    spec = row.check_policy if row is not None and row.check_policy else config.check_policy
    premoderation = row.premoderation if row is not None else config.premoderation
    return CheckPolicy.parse(spec), premoderation


def set_commune_options(
    engine: Engine, insee: str, *, premoderation: bool | None = None, check_policy: str | None = None
) -> None:
    """Store a commune's own choice of pre-moderation and check policy."""
    with transaction(engine) as session:
        commune = session.scalar(select(Commune).where(Commune.insee == insee))
        if commune is None:
            raise InputError(f"La commune {insee} n'est pas enregistrée.")
        bind_commune(session, commune.id)
        row = session.get(AlertCommuneSettings, commune.id) or AlertCommuneSettings(
            commune_id=commune.id, premoderation=False, check_policy=""
        )
        if premoderation is not None:
            row.premoderation = premoderation
        if check_policy is not None:
            CheckPolicy.parse(check_policy)  # refuse a bad spec before storing it
            row.check_policy = check_policy
        row.updated_at = datetime.now(UTC)
        session.add(row)
    with _LOCK:
        for key in [k for k in _CONTEXTS if k[1] == commune.id]:
            del _CONTEXTS[key]


@dataclass
class CommuneContext:
    """What posting and reading need of a commune, loaded once and reused for ``cache_seconds``.

    Configuration only (categories, policy, active sector set, addresses): never who may read what.
    """

    commune_id: int
    insee: str
    epsg: int
    categories: list[Category]
    labels: dict[str, str]
    policy: CheckPolicy
    premoderation: bool
    set_id: int | None
    index: SectorIndex | None
    blur: LocationBlurrer
    loaded_at: float


_CONTEXTS: dict[tuple[str, int, int, str, bool], CommuneContext] = {}


def commune_context(session: Session, commune_id: int, config: AlertConfig) -> CommuneContext:
    """The cached :class:`CommuneContext` of ``commune_id`` (reloaded after ``config.cache_seconds``)."""
    key = (_engine_key(session), commune_id, config.privacy_k, config.check_policy, config.premoderation)
    now = time.monotonic()
    with _LOCK:
        found = _CONTEXTS.get(key)
    if found is not None and now - found.loaded_at < config.cache_seconds:
        return found
    commune = session.get(Commune, commune_id)
    if commune is None:
        raise InputError("Commune inconnue.")
    categories = commune_categories(session, commune_id)
    policy, premoderation = _commune_policy(session, commune_id, config)
    current = active_set(session, commune)
    made = CommuneContext(
        commune_id=commune_id,
        insee=commune.insee,
        epsg=commune.crs_epsg,
        categories=categories,
        labels={c.code: c.label for c in categories},
        policy=policy,
        premoderation=premoderation,
        set_id=current.id if current is not None else None,
        index=sector_index(session, current.id, commune.crs_epsg) if current is not None else None,
        blur=blurrer(session, commune, config.privacy_k),
        loaded_at=now,
    )
    with _LOCK:
        _CONTEXTS[key] = made
    return made


def set_category(
    engine: Engine,
    insee: str,
    code: str,
    *,
    label: str | None = None,
    enabled: bool | None = None,
    family: Family | None = None,
) -> list[Category]:
    """Adjust one category for a commune: rename or disable a default one, or add (or change) its own.

    Returns the categories the commune now offers. Raises :class:`gis.InputError` for an invalid change.
    """
    defaults = {c.code: c for c in DEFAULT_CATEGORIES}
    with transaction(engine) as session:
        commune = session.scalar(select(Commune).where(Commune.insee == insee))
        if commune is None:
            raise InputError(f"La commune {insee} n'est pas enregistrée.")
        bind_commune(session, commune.id)
        row = session.scalar(
            select(AlertCategoryOverride).where(
                AlertCategoryOverride.commune_id == commune.id, AlertCategoryOverride.code == code
            )
        )
        if row is None:
            if code not in defaults and (not label or family is None):
                raise InputError(
                    f"« {code} » n'est pas une catégorie par défaut : pour l'ajouter, donnez son libellé et sa "
                    "famille (securite ou solidarite)."
                )
            row = AlertCategoryOverride(commune_id=commune.id, code=code, label="", family="", enabled=True)
            session.add(row)
        if label is not None:
            row.label = label.strip()
        if enabled is not None:
            row.enabled = enabled
        if family is not None:
            if code in defaults:
                raise InputError(f"La famille d'une catégorie par défaut (« {code} ») ne se change pas.")
            row.family = Family(family).value
        session.flush()
        categories = commune_categories(session, commune.id)  # validates the whole set (raises on a bad one)
    with _LOCK:
        for key in [k for k in _CONTEXTS if k[1] == commune.id]:
            del _CONTEXTS[key]
    return categories


# ------------------------------------------------------------------ posting
def _events(alert: Alert, state: mod.ModerationState, start: int) -> None:
    for e in state.history[start:]:
        alert.events.append(
            AlertEvent(
                commune_id=alert.commune_id,
                move=e.move.value,
                actor_id=e.actor_id,
                at=e.at,
                from_status=e.from_status.value if e.from_status else None,
                to_status=e.to_status.value,
                detail=e.detail,
            )
        )


def _set_perimeter(alert: Alert, perimeter: Perimeter, index: SectorIndex) -> None:
    have = {s.sector_code for s in alert.sectors}
    for sid in perimeter.sector_ids:
        ref = index.sectors[sid]
        if ref.code not in have:
            alert.sectors.append(
                AlertSector(
                    sector_code=ref.code, commune_id=alert.commune_id, sector_id=sid, home=sid in perimeter.home_ids
                )
            )
    alert.perimeter = perimeter.geometry
    alert.scope = perimeter.scope.value


def _locate(session: Session, viewer: Viewer, lon: float | None, lat: float | None, address: str | None) -> tuple:
    if address:
        found = geocode(session, viewer.insee, address)
        if not found:
            raise InputError(
                f"Adresse introuvable dans la commune : « {address} ». Vérifiez-la, ou donnez --lon et --lat."
            )
        return found[0].lon, found[0].lat, found[0].label
    if lon is None or lat is None:
        raise InputError("Indiquez où : une adresse (--address) ou une position (--lon et --lat).")
    check_lonlat_bounds((lon, lat, lon, lat), "La position de l'alerte")
    return float(lon), float(lat), ""


def post_alert(
    engine: Engine,
    email: str,
    *,
    category: str,
    text: str,
    lon: float | None = None,
    lat: float | None = None,
    address: str | None = None,
    key: str | None = None,
    confirm_new: bool = False,
    config: AlertConfig | None = None,
    now: datetime | None = None,
) -> PostResult:
    """Post an alert for the member of e-mail ``email``.

    With a client ``key``, posting again returns the first alert (``created=False``): a retry never
    creates a second one.

    Raises
    ------
    alerts.AlertRefusedError
        An emergency (call 17) or passages to remove; nothing is stored.
    alerts.RateLimitError, DuplicateSuspectedError, gis.InputError
        Too many posts; a probable duplicate (post again with ``confirm_new``); bad input.
    """
    config = config or AlertConfig()
    now = _now(now)
    text = (text or "").strip()
    if key is not None and not (0 < len(key.strip()) <= 100):
        raise InputError("La clé d'idempotence doit faire de 1 à 100 caractères.")
    with transaction(engine) as session:
        viewer = load_viewer(session, email, now)
        bind_commune(session, viewer.commune_id)
        # One query: the author's recent posts (rate limit) and an alert already posted with this key.
        recent_or_same = Alert.created_at > now - config.rate_window
        if key:
            recent_or_same = or_(recent_or_same, Alert.idempotency_key == key)
        mine = session.execute(
            select(Alert.id, Alert.created_at, Alert.idempotency_key).where(
                Alert.author_id == viewer.member_id, recent_or_same
            )
        ).all()
        if key:
            same = next((r.id for r in mine if r.idempotency_key == key), None)
            if same is not None:
                existing = session.get(Alert, same)
                assert existing is not None
                return _replay(existing, category, text)
        recent = [_aware(r.created_at) for r in mine if _aware(r.created_at) > now - config.rate_window]
        try:
            result = _post_checked(
                session, viewer, category, text, lon, lat, address, key, confirm_new, config, now, recent
            )
        except (DuplicateSuspectedError, RateLimitError):
            # A concurrent retry of this very post may have been stored meanwhile: it is no duplicate of itself.
            existing = session.scalar(
                select(Alert).where(Alert.author_id == viewer.member_id, Alert.idempotency_key == key)
            )
            if key is None or existing is None:
                raise
            return _replay(existing, category, text)
    return result


def _replay(existing: Alert, category: str, text: str) -> PostResult:
    same_text = text in (existing.text, existing.original_text)
    if not same_text:
        raise InputError(
            f"La clé d'idempotence a déjà servi pour l'alerte n°{existing.id}, dont le texte est différent : "
            "utilisez une nouvelle clé pour une nouvelle alerte."
        )
    codes = tuple(sorted(s.sector_code for s in existing.sectors))
    return PostResult(existing.id, existing.status, False, codes)


def _post_checked(
    session: Session,
    viewer: Viewer,
    category_typed: str,
    text: str,
    lon: float | None,
    lat: float | None,
    address: str | None,
    key: str | None,
    confirm_new: bool,
    config: AlertConfig,
    now: datetime,
    recent: list[datetime | None],
) -> PostResult:
    if not viewer.active:
        raise InputError("Votre compte est suspendu ou n'est pas actif : vous ne pouvez pas publier d'alerte.")
    if viewer.role == "platform_admin":
        raise InputError("Un administrateur de la plateforme ne publie pas d'alertes.")
    if not text:
        raise InputError("Le texte de l'alerte est vide : décrivez ce que vous avez vu.")
    if len(text) > 2000:
        raise InputError(f"Le texte fait {len(text)} caractères : 2 000 au plus.")
    ctx = commune_context(session, viewer.commune_id, config)
    category = resolve_category(category_typed, ctx.categories)
    if not category.may_be_posted_by(viewer.role):
        raise InputError(f"La catégorie « {category.label} » est réservée à la mairie ou à la gendarmerie.")
    official = category.family == Family.OFFICIAL
    checked = check_text(text, ctx.policy, official_author=official)
    if checked.outcome in (Outcome.EMERGENCY, Outcome.REFUSED):
        raise AlertRefusedError(checked)
    if not official:
        check_rate([t for t in recent if t], now, max_posts=config.rate_posts, window=config.rate_window)
    lon, lat, address_label = _locate(session, viewer, lon, lat, address)
    if ctx.index is None or ctx.set_id is None:
        raise InputError("La commune n'a pas encore de découpage en secteurs actif : aucune alerte n'est possible.")
    index = ctx.index
    perimeter = diffusion_perimeter(index, lon, lat, config.border_m)
    point_m = index.area.to_metric(lon, lat)
    if not confirm_new and not official:
        _offer_duplicates(session, viewer, category.code, point_m, now, config)
    shown = ctx.blur.display(lon, lat)
    author = mod.Actor(viewer.member_id, viewer.role, viewer.name)
    state = mod.submit(
        author,
        text,
        now,
        author_verified=viewer.verified,
        premoderation=ctx.premoderation and not official,
        needs_moderation=checked.outcome == Outcome.MODERATION,
        reason=", ".join(sorted(r.value for r in checked.rules)),
    )
    anchor_lon, anchor_lat = shown.anchor
    row = {
        "commune_id": viewer.commune_id,
        "sector_set_id": ctx.set_id,
        "author_id": viewer.member_id,
        "idempotency_key": key,
        "category": category.code,
        "status": state.status.value,
        "text": text,
        "original_text": None,
        "check_outcome": checked.outcome.value,
        "check_findings": json.dumps(
            [{"regle": f.rule.value, "passage": f.passage} for f in checked.findings], ensure_ascii=False
        ),
        "location": shapely.Point(lon, lat),
        "x_m": point_m.x,
        "y_m": point_m.y,
        "address_text": address_label[:300],
        "display_kind": shown.kind,
        "display_label": shown.label[:200],
        "display_geom": shown.geometry,
        "display_lon": anchor_lon,
        "display_lat": anchor_lat,
        "perimeter": perimeter.geometry,
        "scope": perimeter.scope.value,
        "claim_name": "",
        "reject_reason": "",
        "appeal_text": "",
        "feedback": "",
        "created_at": now,
        "published_at": now if state.status == mod.Status.PUBLISHED else None,
    }
    table = Alert.__table__
    dialect_insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    # A concurrent retry with the same key may have won the race: then nothing is inserted and we return it.
    statement = (
        dialect_insert(table)
        .on_conflict_do_nothing(index_elements=["author_id", "idempotency_key"])
        .returning(table.c.id)
    )
    alert_id = session.execute(statement, row).scalar()
    if alert_id is None:
        existing = session.scalar(
            select(Alert).where(Alert.author_id == viewer.member_id, Alert.idempotency_key == key)
        )
        assert existing is not None
        return _replay(existing, category.code, text)
    session.execute(
        insert(AlertSector.__table__),
        [
            {
                "alert_id": alert_id,
                "sector_code": index.sectors[sid].code,
                "commune_id": viewer.commune_id,
                "sector_id": sid,
                "home": sid in perimeter.home_ids,
            }
            for sid in perimeter.sector_ids
        ],
    )
    session.execute(
        insert(AlertEvent.__table__),
        [
            {
                "alert_id": alert_id,
                "commune_id": viewer.commune_id,
                "move": e.move.value,
                "actor_id": e.actor_id,
                "at": e.at,
                "from_status": e.from_status.value if e.from_status else None,
                "to_status": e.to_status.value,
                "detail": e.detail,
            }
            for e in state.history
        ],
    )
    return PostResult(
        alert_id,
        state.status.value,
        True,
        tuple(index.codes(perimeter.sector_ids)),
        tuple(f.message for f in checked.findings),
    )


def _offer_duplicates(
    session: Session, viewer: Viewer, category: str, point_m: shapely.Point, now: datetime, config: AlertConfig
) -> None:
    r = config.duplicate_radius_m
    # Driven by (commune, category, created_at); the status is filtered here, not in SQL, so that SQLite
    # does not prefer the (commune, status) index and walk every published alert of the commune.
    live = {s.value for s in mod.VISIBLE_STATUSES} | {mod.Status.PENDING.value}
    rows = session.execute(
        select(Alert.id, Alert.category, Alert.x_m, Alert.y_m, Alert.created_at, Alert.status).where(
            Alert.commune_id == viewer.commune_id,
            Alert.category == category,
            Alert.created_at >= now - config.duplicate_window,
            Alert.x_m.between(point_m.x - r, point_m.x + r),
            Alert.y_m.between(point_m.y - r, point_m.y + r),
        )
    ).all()
    recent = [RecentAlert(i, c, x, y, _aware(t)) for i, c, x, y, t, st in rows if st in live]  # type: ignore[arg-type]
    found = probable_duplicates(category, point_m.x, point_m.y, now, recent, radius_m=r, window=config.duplicate_window)
    if found:
        raise DuplicateSuspectedError(found)


# ------------------------------------------------------------------ reading
def _geojson(geom: shapely.Geometry) -> dict[str, Any]:
    """GeoJSON of a displayed location (point, line, or cell polygon), coordinates rounded to 1e-6°."""
    coords = np.round(shapely.get_coordinates(geom), 6).tolist()
    kind = geom.geom_type
    if kind == "Point":
        return {"type": kind, "coordinates": coords[0]}
    if kind == "Polygon":
        return {"type": kind, "coordinates": [coords]}  # H3 cells have no holes
    return {"type": kind, "coordinates": coords} if kind == "LineString" else mapping(geom)


def _location(alert: Any, viewer: Viewer, home_codes: set[str]) -> dict[str, Any]:
    if alert.location is not None and viewer.sees_exact_location(alert.author_id, home_codes):
        p = alert.location
        return {"kind": "exact", "label": alert.address_text or "position exacte", "lon": p.x, "lat": p.y}
    return {
        "kind": alert.display_kind,
        "label": alert.display_label,
        "lon": alert.display_lon,
        "lat": alert.display_lat,
        "geometry": _geojson(alert.display_geom),
    }


def present(alert: Any, viewer: Viewer, sectors: list[tuple[str, bool]], labels: dict[str, str]) -> dict[str, Any]:
    """What ``viewer`` is shown of ``alert`` (JSON-ready): never the exact point unless allowed."""
    homes = {code for code, home in sectors if home}
    out: dict[str, Any] = {
        "id": alert.id,
        "category": alert.category,
        "category_label": labels.get(alert.category, alert.category),
        "status": alert.status,
        "text": alert.text,
        "created_at": _aware(alert.created_at).isoformat(),  # type: ignore[union-attr]
        "sectors": sorted(code for code, _ in sectors),
        "location": _location(alert, viewer, homes),
        "mine": alert.author_id == viewer.member_id,
    }
    if viewer.may_moderate or viewer.sees_whole_commune:
        out["scope"] = alert.scope
    if viewer.may_moderate:
        until = _aware(alert.claim_until)
        if until is not None and until > datetime.now(UTC):
            # Another moderator (or oneself) holds the alert: shown so that two people do not decide at once.
            out["held_by"] = {"name": alert.claim_name, "until": until.isoformat()}
    return out


def _sectors_of(session: Session, ids: list[int]) -> dict[int, list[tuple[str, bool]]]:
    out: dict[int, list[tuple[str, bool]]] = {i: [] for i in ids}
    if ids:
        for aid, code, home in session.execute(
            select(AlertSector.alert_id, AlertSector.sector_code, AlertSector.home).where(AlertSector.alert_id.in_(ids))
        ):
            out[aid].append((code, home))
    return out


FEED_COLUMNS = (
    Alert.id,
    Alert.commune_id,
    Alert.category,
    Alert.status,
    Alert.text,
    Alert.created_at,
    Alert.author_id,
    Alert.location,
    Alert.address_text,
    Alert.display_kind,
    Alert.display_label,
    Alert.display_geom,
    Alert.display_lon,
    Alert.display_lat,
    Alert.scope,
    Alert.claim_name,
    Alert.claim_until,
)


def feed_for(
    session: Session,
    viewer: Viewer,
    *,
    limit: int = 50,
    before_id: int | None = None,
    config: AlertConfig | None = None,
) -> list[dict]:
    """The newest alerts ``viewer`` may read (inside an open, commune-bound transaction).

    Two steps: the newest visible ids, one index walk per branch of the visibility rule
    (:func:`alerts._access.visible_id_branches`); then the columns of those alerts only.
    """
    limit = max(1, min(limit, 500))
    ids: set[int] = set()
    for branch in visible_id_branches(viewer, limit, before_id):
        ids.update(session.scalars(branch))
    newest = sorted(ids, reverse=True)[:limit]
    if not newest:
        return []
    # By primary key only: a commune condition here would lead SQLite to scan the commune's index.
    rows = [
        r
        for r in session.execute(select(*FEED_COLUMNS).where(Alert.id.in_(newest)).order_by(Alert.id.desc()))
        if r.commune_id == viewer.commune_id
    ]
    sectors = _sectors_of(session, newest)
    labels = commune_context(session, viewer.commune_id, config or AlertConfig()).labels
    return [present(a, viewer, sectors[a.id], labels) for a in rows]


def feed(
    engine: Engine,
    email: str,
    *,
    limit: int = 50,
    before_id: int | None = None,
    config: AlertConfig | None = None,
    now: datetime | None = None,
) -> list[dict]:
    """The newest alerts the member of e-mail ``email`` may read, newest first, as JSON-ready dicts."""
    with transaction(engine) as session:
        viewer = load_viewer(session, email, _now(now))
        bind_commune(session, viewer.commune_id)
        return feed_for(session, viewer, limit=limit, before_id=before_id, config=config)


def get_alert(engine: Engine, email: str, alert_id: int, *, now: datetime | None = None) -> dict:
    """One alert, if the member may read it (the same message whether it does not exist or is not theirs)."""
    with transaction(engine) as session:
        viewer = load_viewer(session, email, _now(now))
        bind_commune(session, viewer.commune_id)
        alert = session.scalar(visible_alerts(viewer).where(Alert.id == alert_id))
        if alert is None:
            raise InputError(f"Alerte n°{alert_id} introuvable.")
        labels = {c.code: c.label for c in commune_categories(session, viewer.commune_id)}
        return present(alert, viewer, _sectors_of(session, [alert.id])[alert.id], labels)


# ------------------------------------------------------------------ moderation
def _state(alert: Alert) -> mod.ModerationState:
    claim = None
    if alert.claim_by_id is not None and alert.claim_until is not None:
        claim = mod.Claim(alert.claim_by_id, alert.claim_name, _aware(alert.claim_since), _aware(alert.claim_until))  # type: ignore[arg-type]
    history = tuple(
        mod.Event(
            mod.Move(e.move),
            e.actor_id,
            _aware(e.at),  # type: ignore[arg-type]
            mod.Status(e.from_status) if e.from_status else None,
            mod.Status(e.to_status),
            e.detail,
        )
        for e in alert.events
    )
    return mod.ModerationState(
        status=mod.Status(alert.status),
        author_id=alert.author_id if alert.author_id is not None else -1,
        text=alert.text,
        original_text=alert.original_text,
        claim=claim,
        reject_reason=alert.reject_reason,
        appeal_text=alert.appeal_text,
        feedback=alert.feedback,
        history=history,
    )


def _store_state(alert: Alert, state: mod.ModerationState, now: datetime) -> None:
    before = len(alert.events)
    if state.status == mod.Status.PUBLISHED and alert.status != mod.Status.PUBLISHED.value:
        alert.published_at = now
    if state.status == mod.Status.CLOSED and alert.status != mod.Status.CLOSED.value:
        alert.closed_at = now
    alert.status = state.status.value
    alert.text = state.text
    alert.original_text = state.original_text
    alert.reject_reason = state.reject_reason
    alert.appeal_text = state.appeal_text
    alert.feedback = state.feedback
    alert.claim_by_id = state.claim.actor_id if state.claim else None
    alert.claim_name = state.claim.actor_name if state.claim else ""
    alert.claim_since = state.claim.since if state.claim else None
    alert.claim_until = state.claim.until if state.claim else None
    _events(alert, state, before)


def moderate(
    engine: Engine,
    alert_id: int,
    email: str,
    *,
    approve: bool = False,
    reject: str | None = None,
    widen_to: list[str] | None = None,
    edit_text: str | None = None,
    config: AlertConfig | None = None,
    now: datetime | None = None,
) -> dict:
    """A moderator's decision on an alert: approve, reject (with a reason), widen its perimeter, edit it.

    Referents moderate the alerts of the sectors they refer; mairie agents and admins every alert of
    their commune. Returns what the moderator is shown of the alert afterwards.
    """
    config = config or AlertConfig()
    now = _now(now)
    chosen = sum([approve, reject is not None, bool(widen_to), edit_text is not None])
    if chosen != 1:
        raise InputError("Choisissez une seule décision : --approve, --reject MOTIF, --widen SECTEUR… ou --edit.")
    with transaction(engine) as session:
        viewer = load_viewer(session, email, now)
        bind_commune(session, viewer.commune_id)
        if not viewer.may_moderate:
            raise InputError("Votre rôle ne permet pas de modérer les alertes.")
        alert = session.scalar(visible_alerts(viewer).where(Alert.id == alert_id))
        if alert is None:
            raise InputError(f"Alerte n°{alert_id} introuvable (ou hors des secteurs que vous modérez).")
        actor = mod.Actor(viewer.member_id, viewer.role, viewer.name)
        state = _state(alert)
        if approve:
            state = mod.approve(state, actor, now, config.claim_ttl)
        elif reject is not None:
            state = mod.reject(state, actor, reject, now, config.claim_ttl)
        elif edit_text is not None:
            state = mod.edit(state, actor, edit_text, now, config.claim_ttl)
        else:
            commune = session.get(Commune, viewer.commune_id)
            assert commune is not None
            index = sector_index(session, alert.sector_set_id, commune.crs_epsg)
            current = Perimeter(
                tuple(sorted(s.sector_id for s in alert.sectors)),
                tuple(sorted(s.sector_id for s in alert.sectors if s.home)),
                alert.perimeter,
                alert.scope,  # type: ignore[arg-type]
            )
            names = [c.strip() for c in widen_to or [] if c.strip()]
            if any(n.casefold() in {"commune", "toute-la-commune", "tout"} for n in names):
                wider = whole_commune(index, current)
            else:
                wider = widen(index, current, names)
            _set_perimeter(alert, wider, index)
            state = mod.record_widening(state, actor, ", ".join(index.codes(wider.sector_ids)), now)
        _store_state(alert, state, now)
        session.flush()
        labels = {c.code: c.label for c in commune_categories(session, viewer.commune_id)}
        return present(alert, viewer, _sectors_of(session, [alert.id])[alert.id], labels)


def _apply(engine: Engine, alert_id: int, email: str, now: datetime | None, move: Any) -> dict:
    now = _now(now)
    with transaction(engine) as session:
        viewer = load_viewer(session, email, now)
        bind_commune(session, viewer.commune_id)
        alert = session.scalar(visible_alerts(viewer).where(Alert.id == alert_id))
        if alert is None:
            raise InputError(f"Alerte n°{alert_id} introuvable.")
        state = move(_state(alert), mod.Actor(viewer.member_id, viewer.role, viewer.name), now)
        _store_state(alert, state, now)
        session.flush()
        labels = {c.code: c.label for c in commune_categories(session, viewer.commune_id)}
        return present(alert, viewer, _sectors_of(session, [alert.id])[alert.id], labels)


def acknowledge_alert(engine: Engine, alert_id: int, email: str, *, now: datetime | None = None) -> dict:
    """The mairie or the gendarmerie takes the alert into account."""
    return _apply(engine, alert_id, email, now, mod.acknowledge)


def close_alert(engine: Engine, alert_id: int, email: str, feedback: str, *, now: datetime | None = None) -> dict:
    """Close the alert with feedback (mairie, gendarmerie, or its author)."""
    return _apply(engine, alert_id, email, now, lambda s, a, t: mod.close(s, a, feedback, t))


def appeal_alert(engine: Engine, alert_id: int, email: str, text: str, *, now: datetime | None = None) -> dict:
    """The author contests the refusal of their alert."""
    return _apply(engine, alert_id, email, now, lambda s, a, t: mod.appeal(s, a, text, t))


# ------------------------------------------------------------------ retention
def anonymise_closed(engine: Engine, insee: str, *, months: int, now: datetime | None = None) -> int:
    """Anonymise the commune's alerts closed more than ``months`` ago; return how many were anonymised.

    The category, sectors, dates and status stay (statistics); the text, author, exact point, address,
    appeal and feedback go, and the author disappears from the history.
    """
    now = _now(now)
    cutoff = retention_cutoff(now, months)
    with transaction(engine) as session:
        commune = session.scalar(select(Commune).where(Commune.insee == insee))
        if commune is None:
            raise InputError(f"La commune {insee} n'est pas enregistrée.")
        bind_commune(session, commune.id)
        due = session.scalars(
            select(Alert).where(
                Alert.commune_id == commune.id,
                Alert.status == mod.Status.CLOSED.value,
                Alert.closed_at <= cutoff,
                Alert.anonymised_at.is_(None),
            )
        ).all()
        for alert in due:
            author = alert.author_id
            session.execute(
                update(AlertEvent)
                .where(AlertEvent.alert_id == alert.id, AlertEvent.actor_id == author)
                .values(actor_id=None)
            )
            session.execute(
                update(AlertEvent)
                .where(AlertEvent.alert_id == alert.id, AlertEvent.move.in_(["appeal", "close", "reject"]))
                .values(detail="")
            )
            alert.text = ANONYMISED_TEXT
            alert.original_text = None
            alert.appeal_text = ""
            alert.feedback = ""
            alert.reject_reason = ""
            alert.author_id = None
            alert.idempotency_key = None
            alert.address_text = ""
            alert.location = None
            alert.x_m = alert.y_m = None
            alert.check_findings = "[]"
            alert.claim_name = ""
            alert.anonymised_at = now
        return len(due)


def alert_counts(engine: Engine, insee: str) -> Counter[tuple[str, str]]:
    """Number of alerts per (category, sector code) of a commune: what statistics keep after anonymisation."""
    with transaction(engine) as session:
        commune = session.scalar(select(Commune).where(Commune.insee == insee))
        if commune is None:
            raise InputError(f"La commune {insee} n'est pas enregistrée.")
        bind_commune(session, commune.id)
        rows = session.execute(
            select(Alert.category, AlertSector.sector_code, func.count())
            .join(AlertSector, AlertSector.alert_id == Alert.id)
            .where(Alert.commune_id == commune.id, AlertSector.home.is_(True))
            .group_by(Alert.category, AlertSector.sector_code)
        ).all()
        return Counter({(c, s): n for c, s, n in rows})
