"""Reading alerts: the feed and one alert, exactly what the member may see, displayed locations."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import numpy as np
import shapely
from shapely.geometry import mapping
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from alerts._access import Viewer, load_viewer, visible_alerts, visible_id_branches
from alerts._categories import Family
from alerts._context import AlertConfig, commune_categories, commune_context, now_or_utc
from alerts._moderation import Status
from community._permissions import Action, Actor, Scope
from gis import InputError
from store import transaction
from store.schema import (
    Alert,
    AlertSector,
    Role,
    as_utc,
)

# ------------------------------------------------------------------ reading
BROADCAST_KIND = "diffusion"  # the displayed kind of an official message (alerts._posting)


def _geojson(geom: shapely.Geometry) -> dict[str, Any]:
    """GeoJSON of a displayed location (point, line, or cell polygon), coordinates rounded to 1e-6°."""
    coords = np.round(shapely.get_coordinates(geom), 6).tolist()
    kind = geom.geom_type  # type: ignore[attr-defined]
    if kind == "Point":
        return {"type": kind, "coordinates": coords[0]}
    if kind == "Polygon" and not len(geom.interiors):  # type: ignore[attr-defined]
        return {"type": kind, "coordinates": [coords]}  # H3 cells, most zones: no holes
    return {"type": kind, "coordinates": coords} if kind == "LineString" else mapping(geom)  # type: ignore[arg-type]


def _location(alert: Any, viewer: Viewer, home_codes: set[str]) -> dict[str, Any]:
    if alert.location is not None and viewer.sees_exact_location(alert.author_id, home_codes):
        p = alert.location
        # A broadcast is labelled by the area it reaches, its address (if any) beside it, never coordinates.
        label = alert.address_text or "position exacte"
        if alert.display_kind == BROADCAST_KIND:
            label = " · ".join(x for x in (alert.display_label, alert.address_text) if x)
        return {"kind": "exact", "label": label, "lon": p.x, "lat": p.y}
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
        "created_at": as_utc(alert.created_at).isoformat(),
        "sectors": sorted(code for code, _ in sectors),
        "location": _location(alert, viewer, homes),
        "mine": alert.author_id == viewer.member_id,
    }
    if viewer.may_moderate or viewer.sees_whole_commune:
        out["scope"] = alert.scope
    if viewer.may_moderate:
        until = as_utc(alert.claim_until)
        if until is not None and until > datetime.now(UTC):
            # Another moderator (or oneself) holds the alert: shown so that two people do not decide at once.
            out["held_by"] = {"name": alert.claim_name, "until": until.isoformat()}
    return out


def sectors_of(session: Session, ids: list[int]) -> dict[int, list[tuple[str, bool]]]:
    out: dict[int, list[tuple[str, bool]]] = {i: [] for i in ids}
    if ids:
        for aid, code, home in session.execute(
            select(AlertSector.alert_id, AlertSector.sector_code, AlertSector.home).where(AlertSector.alert_id.in_(ids))
        ):
            out[aid].append((code, home))
    return out


WITHDRAWN = Status.WITHDRAWN.value

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
    family: Family | None = None,
) -> list[dict]:
    """The newest alerts ``viewer`` may read (inside an open, commune-bound transaction).

    Two steps: the newest visible ids, one index walk per branch of the visibility rule
    (:func:`alerts._access.visible_id_branches`); then the columns of those alerts only. ``family``: only
    the alerts of the commune's categories of that family (the solidarity stream).
    """
    limit = max(1, min(limit, 500))
    codes = None
    if family is not None:
        codes = {c.code for c in commune_categories(session, viewer.commune_id) if c.family == family}
    ids: set[int] = set()
    for branch in visible_id_branches(viewer, limit, before_id, codes):
        ids.update(session.scalars(branch))
    newest = sorted(ids, reverse=True)[:limit]
    if not newest:
        return []
    # By primary key only: a commune condition here would lead SQLite to scan the commune's index.
    rows = [
        r
        for r in session.execute(select(*FEED_COLUMNS).where(Alert.id.in_(newest)).order_by(Alert.id.desc()))
        if r.commune_id == viewer.commune_id and r.status != WITHDRAWN
    ]
    sectors = sectors_of(session, newest)
    labels = commune_context(session, viewer.commune_id, config or AlertConfig()).labels
    return [present(a, viewer, sectors[a.id], labels) for a in rows]


def feed(
    engine: Engine,
    actor: Actor,
    *,
    limit: int = 50,
    before_id: int | None = None,
    config: AlertConfig | None = None,
    now: datetime | None = None,
) -> list[dict]:
    """The newest alerts ``actor`` may read, newest first, as JSON-ready dicts."""
    # A read: on SQLite it must not take the write lock (BEGIN IMMEDIATE) nor wait behind a writer.
    with transaction(engine, write=False) as session:
        viewer = load_viewer(session, actor, now_or_utc(now), bind=True)
        return feed_for(session, viewer, limit=limit, before_id=before_id, config=config)


def get_alert(engine: Engine, actor: Actor, alert_id: int, *, now: datetime | None = None) -> dict:
    """One alert, if ``actor`` may read it (the same message whether it does not exist or is not theirs)."""
    with transaction(engine, write=False) as session:
        viewer = load_viewer(session, actor, now_or_utc(now), bind=True)
        alert = session.scalar(visible_alerts(viewer).where(Alert.id == alert_id))
        if alert is None:
            raise InputError(f"Alerte n°{alert_id} introuvable.", field="alert_id")
        labels = {c.code: c.label for c in commune_categories(session, viewer.commune_id)}
        return present(alert, viewer, sectors_of(session, [alert.id])[alert.id], labels)


def silence_reason(viewer: Viewer) -> str:
    """Why a feed is empty, in French: a closed gendarmerie access, a suspension, an address not verified yet…"""
    if viewer.state == "suspended":
        return "Votre compte est suspendu : pendant la suspension, vous ne voyez ni ne recevez d'alertes."
    if viewer.state in ("excluded", "refused", "deleted"):
        return "Ce compte est fermé : il ne voit pas les alertes de la commune."
    if viewer.role == Role.GENDARMERIE and not viewer.gendarmerie_open:
        return "L'accès de la gendarmerie aux alertes de la commune est fermé par la mairie."
    if not viewer.verified:
        return "Votre adresse n'est pas encore vérifiée : vous ne voyez que vos propres alertes d'ici là."
    if viewer.right(Action.VIEW_ALERTS) == Scope.NONE:
        return "Votre rôle ne donne pas accès aux alertes."
    if viewer.right(Action.VIEW_ALERTS) == Scope.SECTORS and not viewer.sector_code:
        return "Votre domicile n'est dans aucun secteur de la commune : demandez à la mairie de vérifier votre adresse."
    return "Aucune alerte pour l'instant."


def feed_page(
    engine: Engine,
    actor: Actor,
    *,
    limit: int = 50,
    before_id: int | None = None,
    config: AlertConfig | None = None,
    now: datetime | None = None,
    family: Family | None = None,
) -> tuple[list[dict], str | None]:
    """Like :func:`feed`, with the reason an empty feed is empty (None when it is not); ``family``: only the
    alerts of that family."""
    with transaction(engine, write=False) as session:
        viewer = load_viewer(session, actor, now_or_utc(now), bind=True)
        items = feed_for(session, viewer, limit=limit, before_id=before_id, config=config, family=family)
        return items, (None if items else silence_reason(viewer))
