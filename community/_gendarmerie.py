"""The gendarmerie's access to a commune: closed by default, opened or closed by a mairie admin, every change logged."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from community._audit import record
from community._permissions import Action, Actor, require
from store.schema import Commune, GendarmerieAccessChange, utcnow


def gendarmerie_access_open(session: Session, commune_id: int) -> bool:
    """Whether the gendarmerie may currently see the commune's alerts (False until a mairie admin opens it)."""
    latest = session.scalar(
        select(GendarmerieAccessChange.is_open)
        .where(GendarmerieAccessChange.commune_id == commune_id)
        .order_by(GendarmerieAccessChange.id.desc())
        .limit(1)
    )
    return bool(latest)


def set_gendarmerie_access(
    session: Session, actor: Actor, commune: Commune, is_open: bool, *, reason: str = "", now: datetime | None = None
) -> bool:
    """Open or close the access; returns False (and records nothing) when it already was in that state."""
    require(actor, Action.SET_GENDARMERIE_ACCESS, commune_id=commune.id)
    if gendarmerie_access_open(session, commune.id) == is_open:
        return False
    now = now or utcnow()
    change = GendarmerieAccessChange(
        commune_id=commune.id,
        is_open=is_open,
        changed_at=now,
        changed_by_id=actor.member_id,
        reason=reason.strip()[:500],
    )
    session.add(change)
    session.flush()
    record(session, actor, "changed", "gendarmerie_access", change.id, commune_id=commune.id, at=now, open=is_open)
    return True


def gendarmerie_access_history(session: Session, commune_id: int) -> list[GendarmerieAccessChange]:
    """Every opening and closing, oldest first."""
    return list(
        session.scalars(
            select(GendarmerieAccessChange)
            .where(GendarmerieAccessChange.commune_id == commune_id)
            .order_by(GendarmerieAccessChange.id)
        )
    )
