"""The alerts settings and what is cached per commune: categories, check policy, sector index, addresses."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from alerts._access import bind_commune
from alerts._categories import (
    DEFAULT_CATEGORIES,
    SLUG,
    Category,
    CategoryOverrides,
    Family,
    effective_categories,
)
from alerts._checks import (
    CheckPolicy,
)
from alerts._perimeter import SectorIndex, SectorRef
from gis import InputError, SectorBlurrer
from sectors import active_set, get_commune
from store import transaction
from store.schema import (
    Address,
    AddressImport,
    AlertCategoryOverride,
    AlertCommuneSettings,
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


def now_or_utc(now: datetime | None) -> datetime:
    return now or datetime.now(UTC)


# ------------------------------------------------------------------ per-process caches
_LOCK = threading.Lock()
_INDEXES: dict[tuple[str, int], SectorIndex] = {}
_BLURRERS: dict[tuple[str, int, int, float], tuple[tuple[int, int], SectorBlurrer]] = {}


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


def blurrer(
    session: Session, commune: Commune, index: SectorIndex, set_id: int, k: int, border_m: float = 150.0
) -> SectorBlurrer:
    """The :class:`gis.SectorBlurrer` of a sector set over the commune's BAN addresses (rebuilt after each
    address import)."""
    version = session.execute(
        select(
            select(func.coalesce(func.max(AddressImport.id), 0)).scalar_subquery(),
            select(func.count(Address.id)).where(Address.insee == commune.insee).scalar_subquery(),
        )
    ).one()
    key = (_engine_key(session), set_id, k, border_m)
    with _LOCK:
        found = _BLURRERS.get(key)
    if found is not None and found[0] == tuple(version):
        return found[1]
    rows = session.execute(
        select(Address.lon, Address.lat, Address.nom_voie, Address.numero)
        .where(Address.insee == commune.insee)
        .order_by(Address.id)
    ).all()
    made = SectorBlurrer(
        index.area,
        {sid: s.name for sid, s in index.sectors.items()},
        np.array([r.lon for r in rows], dtype=float),
        np.array([r.lat for r in rows], dtype=float),
        [r.nom_voie for r in rows],
        [r.numero for r in rows],
        k=k,
        border_m=border_m,
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
            Category(r.code, r.label, Family(r.family or Family.SECURITY))
            for r in rows
            if r.code not in defaults and r.enabled
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
        commune = get_commune(session, insee)
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
    forget_commune(commune.id)


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
    blur: SectorBlurrer | None
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
    index = sector_index(session, current.id, commune.crs_epsg) if current is not None else None
    made = CommuneContext(
        commune_id=commune_id,
        insee=commune.insee,
        epsg=commune.crs_epsg,
        categories=categories,
        labels={c.code: c.label for c in categories},
        policy=policy,
        premoderation=premoderation,
        set_id=current.id if current is not None else None,
        index=index,
        blur=blurrer(session, commune, index, current.id, config.privacy_k, config.border_m)
        if index is not None and current is not None
        else None,
        loaded_at=now,
    )
    with _LOCK:
        _CONTEXTS[key] = made
    return made


@dataclass(frozen=True)
class CategoryEntry:
    """One category as the commune manages it: a default one (maybe renamed or disabled) or its own."""

    code: str
    label: str
    family: Family
    enabled: bool
    own: bool  # the commune's own category (else one of the defaults)
    default_label: str  # the default's label ('' for the commune's own)


def category_entries(session: Session, commune_id: int) -> list[CategoryEntry]:
    """Every category of the commune, disabled ones included: the defaults in their order, then its own."""
    rows = {
        r.code: r
        for r in session.scalars(select(AlertCategoryOverride).where(AlertCategoryOverride.commune_id == commune_id))
    }
    entries = []
    for cat in DEFAULT_CATEGORIES:
        row = rows.pop(cat.code, None)
        label = row.label if row is not None and row.label else cat.label
        enabled = row.enabled if row is not None else True
        entries.append(CategoryEntry(cat.code, label, cat.family, enabled, False, cat.label))
    for row in sorted(rows.values(), key=lambda r: r.id):
        entries.append(CategoryEntry(row.code, row.label, Family(row.family or Family.SECURITY), row.enabled, True, ""))
    return entries


def change_category(
    session: Session,
    commune: Commune,
    code: str,
    *,
    label: str | None = None,
    enabled: bool | None = None,
    family: Family | None = None,
) -> list[Category]:
    """Adjust one category of ``commune`` in the caller's transaction: rename or disable a default one, or add
    (or change) its own. Returns the categories the commune now offers.

    Call :func:`forget_commune` once the transaction is committed (the cached contexts hold the old list).
    Raises :class:`gis.InputError` (``field`` ``code``, ``label`` or ``family``) for an invalid change.
    """
    defaults = {c.code: c for c in DEFAULT_CATEGORIES}
    row = session.scalar(
        select(AlertCategoryOverride).where(
            AlertCategoryOverride.commune_id == commune.id, AlertCategoryOverride.code == code
        )
    )
    if row is None:
        if code not in defaults and (not label or family is None):
            raise InputError(
                f"« {code} » n'est pas une catégorie par défaut : pour l'ajouter, donnez son libellé et sa "
                "famille (securite ou solidarite).",
                field="code",
            )
        if code not in defaults and (not SLUG.match(code) or len(code) > 40):
            raise InputError(
                f"Code « {code} » invalide : lettres minuscules sans accent, chiffres et tirets (40 au plus).",
                field="code",
            )
        row = AlertCategoryOverride(commune_id=commune.id, code=code, label="", family="", enabled=True)
        session.add(row)
    if label is not None:
        row.label = label.strip()
    if enabled is not None:
        row.enabled = enabled
    if family is not None:
        if code in defaults:
            raise InputError(f"La famille d'une catégorie par défaut (« {code} ») ne se change pas.", field="family")
        row.family = Family(family).value
    session.flush()
    try:
        return commune_categories(session, commune.id)  # validates the whole set
    except InputError as exc:
        field = exc.field or ("label" if label is not None else "code")
        raise InputError(exc.message, exc.problems, field=field) from exc


def forget_commune(commune_id: int) -> None:
    """Drop the cached contexts of ``commune_id`` (after a change of its categories or options is committed)."""
    with _LOCK:
        for key in [k for k in _CONTEXTS if k[1] == commune_id]:
            del _CONTEXTS[key]


def set_category(
    engine: Engine,
    insee: str,
    code: str,
    *,
    label: str | None = None,
    enabled: bool | None = None,
    family: Family | None = None,
) -> list[Category]:
    """Adjust one category for a commune in a transaction of its own (see :func:`change_category`).

    Returns the categories the commune now offers. Raises :class:`gis.InputError` for an invalid change.
    """
    with transaction(engine) as session:
        commune = get_commune(session, insee)
        bind_commune(session, commune.id)
        categories = change_category(session, commune, code, label=label, enabled=enabled, family=family)
    forget_commune(commune.id)
    return categories
