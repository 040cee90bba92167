"""Permission checks that read the state they depend on (the gendarmerie's access) from the database."""

from __future__ import annotations

from sqlalchemy.orm import Session

from community._gendarmerie import gendarmerie_access_open
from community._permissions import GENDARMERIE_GATED, Action, Actor, can, require
from store.schema import Role


def _open(session: Session, actor: Actor, action: Action, commune_id: int | None) -> bool:
    gated = actor.role == Role.GENDARMERIE and action in GENDARMERIE_GATED and commune_id is not None
    return gated and gendarmerie_access_open(session, commune_id)  # type: ignore[arg-type]


def allowed(
    session: Session,
    actor: Actor,
    action: Action,
    *,
    commune_id: int | None = None,
    sector_code: str | None = None,
    member_id: int | None = None,
) -> bool:
    """:func:`can`, with the commune's current gendarmerie access read from the database."""
    return can(
        actor,
        action,
        commune_id=commune_id,
        sector_code=sector_code,
        member_id=member_id,
        gendarmerie_open=_open(session, actor, action, commune_id),
    )


def authorize(
    session: Session,
    actor: Actor,
    action: Action,
    *,
    commune_id: int | None = None,
    sector_code: str | None = None,
    member_id: int | None = None,
) -> None:
    """:func:`require`, with the commune's current gendarmerie access read from the database."""
    require(
        actor,
        action,
        commune_id=commune_id,
        sector_code=sector_code,
        member_id=member_id,
        gendarmerie_open=_open(session, actor, action, commune_id),
    )
