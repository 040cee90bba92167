"""Communes: register one with its boundary, list them, and the one commune look-up every service uses."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from services._core import Actor, ServiceError, unit_of_work

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from store.schema import Commune


@dataclass(frozen=True)
class CommuneInfo:
    """A registered commune, as shown to people."""

    id: int
    insee: str
    name: str
    area_km2: float
    crs_epsg: int


def _info(commune: Commune) -> CommuneInfo:
    return CommuneInfo(commune.id, commune.insee, commune.name, commune.area_m2 / 1e6, commune.crs_epsg)


def find(session: Session, insee: str) -> Commune:
    """The registered commune ``insee``, in an open unit of work: the one commune look-up of the services.

    Raises
    ------
    ServiceError
        ``field="commune"``: malformed code or commune not registered.
    """
    from sectors import get_commune

    return get_commune(session, insee)


def commune_id(insee: str) -> int:
    """The id of the registered commune ``insee`` (to bind a unit of work to it)."""
    with unit_of_work() as session:
        return find(session, insee).id


def _require_manager(session: Session, actor: Actor) -> None:
    from community import Action, authorize

    authorize(session, actor, Action.MANAGE_COMMUNES)


def add_commune(actor: Actor, insee: str, name: str, boundary_file: Path) -> CommuneInfo:
    """Register commune ``insee`` named ``name`` with the boundary read from ``boundary_file``.

    The file may hold several communes: the one whose INSEE field equals ``insee`` is kept.

    Raises
    ------
    ServiceError
        ``field="insee"`` (malformed or already registered), ``"name"`` (empty), ``"boundary"`` (unreadable
        file, no such commune in it, invalid geometry).
    """
    from gis import InputError
    from sectors import load_boundary, register_commune
    from services._config import settings

    s = settings()
    try:
        geom = load_boundary(boundary_file, insee, max_mb=s.max_upload_mb, min_area_ratio=s.repair_min_area_ratio)
    except InputError as exc:
        raise ServiceError(exc.message, exc.problems, field=exc.field or "boundary") from exc
    with unit_of_work() as session:
        _require_manager(session, actor)
        try:
            commune = register_commune(session, insee, name, geom)
        except InputError as exc:
            field = exc.field or ("name" if "nom" in exc.message else "insee")
            raise ServiceError(exc.message, exc.problems, field=field) from exc
        from community import record

        record(session, actor, "created", "commune", commune.insee, commune_id=commune.id, name=commune.name)
        return _info(commune)


def list_communes(actor: Actor) -> list[CommuneInfo]:
    """Every registered commune, by INSEE code (public: the communes covered by the platform)."""
    return public_communes()


def public_communes() -> list[CommuneInfo]:
    """The communes covered by the platform, by INSEE code, for a visitor signing up (no account yet)."""
    from sectors import list_communes as listed

    with unit_of_work() as session:
        return [_info(c) for c in listed(session)]


def get(actor: Actor, insee: str) -> CommuneInfo:
    """The registered commune ``insee`` (``field="commune"`` when it is not)."""
    with unit_of_work() as session:
        return _info(find(session, insee))


__all__ = ["CommuneInfo", "add_commune", "commune_id", "find", "get", "list_communes", "public_communes"]
