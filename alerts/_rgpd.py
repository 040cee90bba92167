"""A member's rights over their alerts (RGPD): export them, and anonymise them when the account is deleted.

Both take the caller's session (the members domain runs them inside its own transaction);
:func:`register_rgpd_hooks` registers them with :mod:`community` (done when :mod:`alerts` is imported).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from alerts._access import bind_commune
from store.schema import Alert, AlertEvent, AlertSector, Member


def _commune_of(session: Session, member_id: int) -> int | None:
    return session.scalar(select(Member.commune_id).where(Member.id == member_id))


def export_member_alerts(session: Session, member_id: int) -> list[dict[str, Any]]:
    """Every alert the member posted, with what is held about it (text, original, point, history)."""
    commune_id = _commune_of(session, member_id)
    if commune_id is None:
        return []
    bind_commune(session, commune_id)
    alerts = session.scalars(select(Alert).where(Alert.author_id == member_id).order_by(Alert.id)).all()
    out = []
    for a in alerts:
        codes = session.scalars(select(AlertSector.sector_code).where(AlertSector.alert_id == a.id)).all()
        out.append(
            {
                "id": a.id,
                "category": a.category,
                "status": a.status,
                "text": a.text,
                "original_text": a.original_text,
                "created_at": a.created_at.isoformat(),
                "lon": a.location.x if a.location is not None else None,  # type: ignore[attr-defined]
                "lat": a.location.y if a.location is not None else None,  # type: ignore[attr-defined]
                "address": a.address_text,
                "sectors": sorted(codes),
                "reject_reason": a.reject_reason,
                "appeal_text": a.appeal_text,
                "history": [
                    {"move": e.move, "at": e.at.isoformat(), "to": e.to_status, "by_me": e.actor_id == member_id}
                    for e in a.events
                ],
            }
        )
    return out


def anonymise_member_alerts(session: Session, member_id: int) -> int:
    """Cut every alert of a deleted account from its author: no author, key, address, exact point or appeal.

    The alerts stay (neighbours and statistics still need the facts, which the checks kept free of names);
    the displayed location stays, the exact point goes. Returns how many alerts were anonymised.
    """
    commune_id = _commune_of(session, member_id)
    if commune_id is None:
        return 0
    bind_commune(session, commune_id)
    ids = session.scalars(select(Alert.id).where(Alert.author_id == member_id)).all()
    if not ids:
        return 0
    session.execute(
        update(AlertEvent).where(AlertEvent.alert_id.in_(ids), AlertEvent.actor_id == member_id).values(actor_id=None)
    )
    appeals = update(AlertEvent).where(AlertEvent.alert_id.in_(ids), AlertEvent.move == "appeal")
    session.execute(appeals.values(detail=""))
    session.execute(
        update(Alert)
        .where(Alert.id.in_(ids))
        .values(
            author_id=None,
            idempotency_key=None,
            address_text="",
            location=None,
            x_m=None,
            y_m=None,
            appeal_text="",
        )
    )
    return len(ids)


def register_rgpd_hooks() -> None:
    """Make every member export include their alerts, and every account deletion anonymise them."""
    from community import register_anonymiser, register_exporter

    register_exporter("alerts", export_member_alerts)
    register_anonymiser("alerts", anonymise_member_alerts)
