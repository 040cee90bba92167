"""Posting an alert: checks, rate limit, idempotency key, perimeter, displayed location, duplicates."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache
from typing import Any

import shapely
from sqlalchemy import (
    ARRAY,
    Boolean,
    DateTime,
    Engine,
    Integer,
    String,
    Text,
    bindparam,
    func,
    insert,
    null,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session
from sqlalchemy.sql.selectable import CompoundSelect

from alerts import _moderation as mod
from alerts._access import BoundVisibility, Viewer, bound_visibility, load_viewer_with, scoped
from alerts._categories import (
    Family,
    resolve_category,
)
from alerts._checks import (
    Outcome,
    RateLimitError,
    check_rate,
    check_text,
    refusal,
)
from alerts._context import AlertConfig, commune_context, now_or_utc
from alerts._hooks import fire
from alerts._perimeter import (
    Perimeter,
    Scope,
    SectorIndex,
    diffusion_perimeter,
    shown_perimeter,
    whole_commune,
    widen,
)
from alerts._reading import BROADCAST_KIND
from community._permissions import Action, Actor
from community._permissions import Scope as RightScope
from gis import DisplayedLocation, InputError, check_lonlat_bounds, transform_geom
from store import check_values, geocode, is_postgis, transaction
from store.schema import (
    Alert,
    AlertEvent,
    AlertSector,
    AuditEntry,
    as_utc,
)

# The audit log's object type of a duplicate offer (a probe of where other alerts are: rate-limited).
DUPLICATE_OFFER = "alert_duplicate_offer"


@dataclass(frozen=True)
class DuplicateOffer:
    """An alert offered to its poster as a probable duplicate: only what their feed already shows of it.

    Attributes
    ----------
    id:
        The alert's number (an alert the poster may read).
    place:
        Its displayed location, as their feed labels it (never a distance to its exact point).
    age:
        How old it is, coarsely ("il y a moins d'une heure", "il y a environ 3 h").
    """

    id: int
    place: str
    age: str


def coarse_age(age: timedelta) -> str:
    """A coarse French age: "il y a moins d'une heure", else "il y a environ N h"."""
    hours = int(age.total_seconds() // 3600)
    return "il y a moins d'une heure" if hours < 1 else f"il y a environ {hours} h"


class DuplicateSuspectedError(InputError):
    """Probable duplicates exist: they are offered to the author, who may confirm a new alert.

    Only alerts the author may read are offered, with their displayed location and a coarse age: the
    offer tells nothing the author's feed does not (each offer counts against the rate limit).
    """

    def __init__(self, duplicates: list[DuplicateOffer]) -> None:
        self.duplicates = duplicates
        lines = [f"alerte n°{d.id} : {d.place}, {d.age}" for d in duplicates]
        super().__init__(
            "Une alerte semblable existe déjà dans votre fil (même catégorie, même endroit affiché, récente). "
            "Consultez-la et complétez-la plutôt ; si c'est bien un autre fait, confirmez que c'est une "
            "nouvelle alerte.",
            problems=lines,
            field="confirm_new",
        )


@dataclass(frozen=True)
class PostResult:
    """What became of a post."""

    alert_id: int
    status: str
    created: bool
    sectors: tuple[str, ...] = ()
    findings: tuple[str, ...] = field(default_factory=tuple)
    # Where each finding is in the text (start, end), in the order of ``findings``.
    spans: tuple[tuple[int, int], ...] = field(default_factory=tuple)

    @property
    def message(self) -> str:
        if not self.created:
            return f"Alerte n°{self.alert_id} déjà enregistrée (même clé) : rien de nouveau n'a été créé."
        if self.status == mod.Status.PUBLISHED:
            return f"Alerte n°{self.alert_id} publiée (secteurs : {', '.join(self.sectors)})."
        return f"Alerte n°{self.alert_id} enregistrée : elle sera publiée après relecture par un modérateur."


# ------------------------------------------------------------------ posting
def _locate(session: Session, viewer: Viewer, lon: float | None, lat: float | None, address: str | None) -> tuple:
    if address:
        found = geocode(session, viewer.insee, address)
        if not found:
            raise InputError(
                f"Adresse introuvable dans la commune : « {address} ». Vérifiez-la, ou donnez la position.",
                field="address",
            )
        return found[0].lon, found[0].lat, found[0].label
    if lon is None or lat is None:
        raise InputError("Indiquez où : une adresse, ou une position (longitude et latitude).", field="address")
    check_lonlat_bounds((lon, lat, lon, lat), "La position de l'alerte")
    return float(lon), float(lat), ""


def post_alert(
    engine: Engine,
    actor: Actor,
    *,
    category: str,
    text: str,
    lon: float | None = None,
    lat: float | None = None,
    address: str | None = None,
    key: str | None = None,
    confirm_new: bool = False,
    sectors: Sequence[str] | None = None,
    config: AlertConfig | None = None,
    now: datetime | None = None,
) -> PostResult:
    """Post an alert as ``actor`` (a member).

    With a client ``key``, posting again returns the first alert (``created=False``): a retry never
    creates a second one. An official message (mairie, gendarmerie: the matrix's ``BROADCAST``) reaches the
    whole commune, or the ``sectors`` named (codes or names); its place is optional.

    Raises
    ------
    alerts.AlertRefusedError
        An emergency (call 17) or passages to remove; nothing is stored.
    alerts.RateLimitError, DuplicateSuspectedError, gis.InputError
        Too many posts; a probable duplicate (post again with ``confirm_new``); bad input.
    """
    config = config or AlertConfig()
    now = now_or_utc(now)
    text = (text or "").strip()
    if key is not None and not (0 < len(key.strip()) <= 100):
        raise InputError("La clé d'idempotence doit faire de 1 à 100 caractères.", field="key")
    with transaction(engine) as session:
        # In the viewer's round trip: the author's recent posts and duplicate offers (rate limit), and an alert
        # already posted with this key (the actor's member and commune: nothing the viewer's checks must allow).
        offered: DuplicateSuspectedError | None = None
        since = now - config.rate_window
        statement = _MINE_OR_SAME if key else _MINE
        params = {"author": actor.member_id, "since": since, "key": key, "commune": actor.commune_id}
        viewer, mine = load_viewer_with(session, actor, now, statement, params, bind=True)
        if viewer.commune_id != actor.commune_id:  # the actor did not name the member's commune (embedded base)
            params |= {"author": viewer.member_id, "commune": viewer.commune_id}
            viewer, mine = load_viewer_with(session, actor, now, statement, params, bind=True)
        if key:
            same = next((r.also_id for r in mine if r.also_id is not None and r.also_idempotency_key == key), None)
            if same is not None:
                existing = session.get(Alert, same)
                assert existing is not None
                return _replay(existing, category, text)
        recent = [as_utc(r.also_created_at) for r in mine if as_utc(r.also_created_at) > since]
        try:
            result = _post_checked(
                session, viewer, category, text, lon, lat, address, key, confirm_new, config, now, recent, sectors
            )
        except (DuplicateSuspectedError, RateLimitError) as refused:
            # A concurrent retry of this very post may have been stored meanwhile: it is no duplicate of itself.
            existing = session.scalar(
                select(Alert).where(Alert.author_id == viewer.member_id, Alert.idempotency_key == key)
            )
            if key is not None and existing is not None:
                return _replay(existing, category, text)
            if not isinstance(refused, DuplicateSuspectedError):
                raise
            offered = refused
    if offered is not None:
        _record_offer(engine, viewer, offered, now)
        raise offered
    return result


# Built once (bind parameters): building a statement on every post costs more than running it.
_SINCE = bindparam("since", type_=DateTime(timezone=True))
_AUTHOR = bindparam("author", type_=Integer())
# When the member was offered duplicates (each offer counts as a post against the rate limit): rows without id.
_OFFERS_SINCE = select(
    null().cast(Integer()).label("id"), AuditEntry.at.label("created_at"), null().cast(String()).label("key")
).where(
    AuditEntry.commune_id == bindparam("commune", type_=Integer()),
    AuditEntry.at > _SINCE,
    AuditEntry.actor_id == _AUTHOR,
    AuditEntry.object_type == DUPLICATE_OFFER,
)
# The author's recent posts and offers (rate limit), in one round trip.
_MINE: CompoundSelect[Any] = union_all(
    select(Alert.id, Alert.created_at, Alert.idempotency_key).where(
        Alert.author_id == _AUTHOR, Alert.created_at > _SINCE
    ),
    _OFFERS_SINCE,
)
# The same, and an alert already posted with this key.
_MINE_OR_SAME: CompoundSelect[Any] = union_all(
    select(Alert.id, Alert.created_at, Alert.idempotency_key).where(
        Alert.author_id == _AUTHOR, or_(Alert.created_at > _SINCE, Alert.idempotency_key == bindparam("key"))
    ),
    _OFFERS_SINCE,
)


def _record_offer(engine: Engine, viewer: Viewer, offered: DuplicateSuspectedError, now: datetime) -> None:
    """Log the offer in its own transaction (the post's was rolled back): it counts against the rate limit."""
    from community._audit import record  # lazy: community is not needed to read or post otherwise

    actor = Actor(role=viewer.role, member_id=viewer.member_id, commune_id=viewer.commune_id)  # type: ignore[arg-type]
    with scoped(engine, viewer.commune_id) as session:
        ids = [d.id for d in offered.duplicates]
        record(session, actor, "viewed", DUPLICATE_OFFER, ids[0], commune_id=viewer.commune_id, at=now, alerts=ids)


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
    sectors: Sequence[str] | None = None,
) -> PostResult:
    if not viewer.active:
        raise InputError(
            "Votre compte est suspendu ou n'est pas actif : vous ne pouvez pas publier d'alerte.", field="actor"
        )
    if not text:
        raise InputError("Le texte de l'alerte est vide : décrivez ce que vous avez vu.", field="text")
    check_values(Alert.__table__, {"text": text})  # type: ignore[arg-type]  # the one text policy: length and characters
    ctx = commune_context(session, viewer.commune_id, config)
    category = resolve_category(category_typed, ctx.categories)
    official = category.family == Family.OFFICIAL
    if not category.may_be_posted_by(viewer.role):
        raise InputError(
            f"La catégorie « {category.label} » est réservée à la mairie ou à la gendarmerie.", field="category"
        )
    # Who may post is the permission matrix's: official messages are broadcasts, the rest posts.
    if viewer.right(Action.BROADCAST if official else Action.POST_ALERT) == RightScope.NONE:
        raise InputError(f"Votre rôle ne permet pas de publier dans la catégorie « {category.label} ».", field="actor")
    if sectors and not official:
        raise InputError(
            "Seuls les messages de la mairie et de la gendarmerie se diffusent à des secteurs choisis.",
            field="sectors",
        )
    checked = check_text(text, ctx.policy, official_author=official)
    if checked.outcome in (Outcome.EMERGENCY, Outcome.REFUSED, Outcome.MUNICIPAL):
        raise refusal(checked)
    if not official:
        check_rate([t for t in recent if t], now, max_posts=config.rate_posts, window=config.rate_window)
    if ctx.index is None or ctx.set_id is None:
        raise InputError(
            "La commune n'a pas encore de découpage en secteurs actif : aucune alerte n'est possible.", field="commune"
        )
    index = ctx.index
    shown: DisplayedLocation | _Broadcast
    if official:
        lon, lat, address_label, perimeter, shown = _broadcast_place(session, viewer, index, lon, lat, address, sectors)
        point_m = index.area.to_metric(lon, lat)
    else:
        lon, lat, address_label = _locate(session, viewer, lon, lat, address)
        exact = diffusion_perimeter(index, lon, lat, config.border_m)  # refuses a point outside the commune
        point_m = index.area.to_metric(lon, lat)
        assert ctx.blur is not None
        shown = ctx.blur.display(lon, lat)
        # Who receives the alert follows from what they are shown, never from the exact point.
        perimeter = shown_perimeter(index, shown, exact.home_ids, config.border_m)
    if not confirm_new and not official:
        _offer_duplicates(session, viewer, category.code, point_m, index.epsg, now, config)
    author = mod.Participant(viewer.member_id, viewer.role, viewer.name)
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
    placed = not isinstance(shown, _Broadcast) or shown.placed
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
        # A broadcast placed nowhere has no exact point (and stays out of heat maps).
        "location": shapely.Point(lon, lat) if placed else None,
        "x_m": point_m.x if placed else None,
        "y_m": point_m.y if placed else None,
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
    sector_rows = [
        {
            "sector_code": index.sectors[sid].code,
            "commune_id": viewer.commune_id,
            "sector_id": sid,
            "home": sid in perimeter.home_ids,
        }
        for sid in perimeter.sector_ids
    ]
    event_rows = [
        {
            "commune_id": viewer.commune_id,
            "move": e.move.value,
            "actor_id": e.actor_id,
            "at": e.at,
            "from_status": e.from_status.value if e.from_status else None,
            "to_status": e.to_status.value,
            "detail": e.detail,
        }
        for e in state.history
    ]
    # A concurrent retry with the same key may have won the race: then nothing is inserted and we return it.
    if is_postgis(session):
        statement, params = _insert_all_postgres(row, sector_rows, event_rows)
        alert_id = session.execute(statement, params).scalar()
    else:
        alert_id = _insert_all_sqlite(session, row, sector_rows, event_rows)
    if alert_id is None:
        existing = session.scalar(
            select(Alert).where(Alert.author_id == viewer.member_id, Alert.idempotency_key == key)
        )
        assert existing is not None
        return _replay(existing, category.code, text)
    fire(session, alert_id, "publish" if state.status == mod.Status.PUBLISHED else "submit")
    return PostResult(
        alert_id,
        state.status.value,
        True,
        tuple(index.codes(perimeter.sector_ids)),
        tuple(f.message for f in checked.findings),
        tuple((f.start, f.end) for f in checked.findings),
    )


@dataclass(frozen=True)
class _Broadcast:
    """Where an official message is shown: the sectors it reaches (the whole commune by default)."""

    kind: str
    geometry: shapely.Geometry
    label: str
    anchor: tuple[float, float]
    placed: bool = True  # a place was given (kept as the exact point for those who may see it)


def _broadcast_place(
    session: Session,
    viewer: Viewer,
    index: SectorIndex,
    lon: float | None,
    lat: float | None,
    address: str | None,
    sectors: Sequence[str] | None,
) -> tuple[float, float, str, Perimeter, _Broadcast]:
    """An official message reaches the whole commune, or the sectors named; it is shown as that area (its place,
    when given, is kept for the mairie and the gendarmerie but draws no perimeter).

    Its label is always the area reached (« Toute la commune », « Secteurs : … »); the address label is the
    geocoded address only, never coordinates: a place given as a point has no address to show.
    """
    names = [n.strip() for n in sectors or [] if n.strip()]
    perimeter = widen(index, Perimeter((), (), index.union(index.sectors), Scope.AUTO), names) if names else None
    if perimeter is None or perimeter.scope == Scope.COMMUNE:
        perimeter = whole_commune(index)
        label = "Toute la commune"
    else:
        label = "Secteurs : " + ", ".join(index.sectors[i].name for i in perimeter.sector_ids)
    address_label = ""
    placed = bool(address) or lon is not None or lat is not None
    if placed:
        lon, lat, address_label = _locate(session, viewer, lon, lat, address)
    else:
        anchor = perimeter.geometry.representative_point()
        lon, lat = anchor.x, anchor.y
    assert lon is not None and lat is not None
    shown = _Broadcast(BROADCAST_KIND, perimeter.geometry, label[:200], (lon, lat), placed)
    return lon, lat, address_label, perimeter, shown


def _offer_duplicates(
    session: Session,
    viewer: Viewer,
    category: str,
    point_m: shapely.Point,
    epsg: int,
    now: datetime,
    config: AlertConfig,
) -> None:
    """Refuse with the recent alerts of the same category the poster may read and that lie, as they are shown
    to the poster, within the duplicate radius: no alert they cannot read, no distance to an exact point."""
    visibility = bound_visibility(viewer)
    rows = session.execute(
        _duplicate_candidates(visibility),
        {**visibility.params, "category": category, "since": now - config.duplicate_window, "now": now},
    ).all()
    found = []
    for r in rows:
        if viewer.sees_whole_commune or r.author_id == viewer.member_id:
            d = float(shapely.distance(point_m, shapely.Point(r.x_m, r.y_m)))
        else:
            d = float(shapely.distance(point_m, transform_geom(r.display_geom, 4326, epsg)))
        if d <= config.duplicate_radius_m:
            found.append(DuplicateOffer(r.id, r.display_label, coarse_age(now - as_utc(r.created_at))))
    if found:
        raise DuplicateSuspectedError(found)


def _duplicate_candidates(visibility: BoundVisibility) -> Any:
    """The recent alerts of a category that a viewer of this kind may read, built once per kind (building it on
    every post cost more than running it)."""
    return _candidates_for(visibility.kind, visibility.clause)


@cache
def _candidates_for(_kind: tuple[Any, ...], clause: Any) -> Any:
    # Keyed by the kind (its clause is the one cached for that kind in alerts._access).
    return (
        select(Alert.id, Alert.author_id, Alert.x_m, Alert.y_m, Alert.display_geom, Alert.display_label,
               Alert.created_at)
        .where(
            clause,
            Alert.category == bindparam("category", type_=String()),
            Alert.created_at >= bindparam("since", type_=DateTime(timezone=True)),
            Alert.created_at <= bindparam("now", type_=DateTime(timezone=True)),
        )
        .order_by(Alert.id.desc())
    )  # fmt: skip


def _insert_all_sqlite(
    session: Session, row: dict[str, Any], sectors: list[dict[str, Any]], events: list[dict[str, Any]]
) -> int | None:
    table = Alert.__table__
    statement = (
        sqlite_insert(table)  # type: ignore[arg-type]
        .on_conflict_do_nothing(index_elements=["author_id", "idempotency_key"])
        .returning(table.c.id)
    )
    alert_id = session.execute(statement, row).scalar()
    if alert_id is not None:
        session.execute(insert(AlertSector.__table__), [{**r, "alert_id": alert_id} for r in sectors])  # type: ignore[arg-type]
        session.execute(insert(AlertEvent.__table__), [{**r, "alert_id": alert_id} for r in events])  # type: ignore[arg-type]
    return alert_id


def _insert_all_postgres(row: dict[str, Any], sectors: list[dict[str, Any]], events: list[dict[str, Any]]) -> Any:
    """The alert, its sectors and its events in one statement (one round trip): data-modifying CTEs."""
    params = {f"a_{k}": v for k, v in row.items()}
    params |= {
        "s_code": [r["sector_code"] for r in sectors],
        "s_id": [r["sector_id"] for r in sectors],
        "s_home": [r["home"] for r in sectors],
    }
    for key, column in (("move", "move"), ("actor", "actor_id"), ("at", "at"), ("from", "from_status"),
                        ("to", "to_status"), ("detail", "detail")):  # fmt: skip
        params[f"e_{key}"] = [r[column] for r in events]
    return _postgres_insert_all(tuple(row)), params


@cache
def _postgres_insert_all(columns: tuple[str, ...]) -> Any:
    """Built once (per column list): building this statement costs more than running it."""
    table, ts, te = Alert.__table__, AlertSector.__table__, AlertEvent.__table__
    new = (
        pg_insert(table)  # type: ignore[arg-type]
        .values({c: bindparam(f"a_{c}", type_=table.c[c].type) for c in columns})
        .on_conflict_do_nothing(index_elements=["author_id", "idempotency_key"])
        .returning(table.c.id)
        .cte("new_alert")
    )

    def arr(name: str, kind: Any) -> Any:
        return bindparam(name, type_=ARRAY(kind))

    s = (
        func.unnest(arr("s_code", String()), arr("s_id", Integer()), arr("s_home", Boolean()))
        .table_valued("code", "sid", "home")
        .render_derived(name="s")
    )
    commune = bindparam("a_commune_id", type_=Integer())
    add_sectors = ts.insert().from_select(  # type: ignore[attr-defined]
        ["alert_id", "sector_code", "commune_id", "sector_id", "home"],
        select(new.c.id, s.c.code, commune, s.c.sid, s.c.home).select_from(new).join(s, true()),
    )
    e = (
        func.unnest(
            arr("e_move", String()),
            arr("e_actor", Integer()),
            arr("e_at", DateTime(timezone=True)),
            arr("e_from", String()),
            arr("e_to", String()),
            arr("e_detail", Text()),
        )
        .table_valued("move", "actor", "at", "from_status", "to_status", "detail")
        .render_derived(name="e")
    )
    add_events = te.insert().from_select(  # type: ignore[attr-defined]
        ["alert_id", "commune_id", "move", "actor_id", "at", "from_status", "to_status", "detail"],
        select(new.c.id, commune, e.c.move, e.c.actor, e.c.at, e.c.from_status, e.c.to_status, e.c.detail)
        .select_from(new)
        .join(e, true()),
    )
    return select(new.c.id).add_cte(add_sectors.cte("new_sectors")).add_cte(add_events.cte("new_events"))
