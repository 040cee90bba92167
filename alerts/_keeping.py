"""Retention in the store: anonymise closed alerts after the period; the counts statistics keep."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from sqlalchemy import Engine, func, select, update

from alerts import _moderation as mod
from alerts._access import bind_commune
from alerts._context import now_or_utc
from alerts._retention import ANONYMISED_TEXT, retention_cutoff
from sectors import get_commune
from store import transaction
from store.schema import (
    Alert,
    AlertEvent,
    AlertSector,
)


# ------------------------------------------------------------------ retention
def anonymise_closed(engine: Engine, insee: str, *, months: int, now: datetime | None = None) -> int:
    """Anonymise the commune's alerts closed more than ``months`` ago; return how many were anonymised.

    The category, sectors, dates and status stay (statistics); the text, author, exact point, address,
    appeal and feedback go, and the author disappears from the history.
    """
    now = now_or_utc(now)
    cutoff = retention_cutoff(now, months)
    with transaction(engine) as session:
        commune = get_commune(session, insee)
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
        commune = get_commune(session, insee)
        bind_commune(session, commune.id)
        rows = session.execute(
            select(Alert.category, AlertSector.sector_code, func.count())
            .join(AlertSector, AlertSector.alert_id == Alert.id)
            .where(Alert.commune_id == commune.id, AlertSector.home.is_(True))
            .group_by(Alert.category, AlertSector.sector_code)
        ).all()
        return Counter({(c, s): n for c, s, n in rows})
