"""The audit log's hash chain (embedded SQLite): tampering with the file becomes visible.

Each row stores ``prev_hash`` (the ``row_hash`` of the previous row of the same commune, or ``""`` for the
first) and ``row_hash`` = sha256 of ``prev_hash`` and the row's content. Changing a row breaks its own hash;
deleting, replacing or inserting one breaks the next row's link. Removing the latest rows, or recomputing the
whole chain from the tampered row on, is not detectable from the file alone (see the README).

On PostGIS the log is protected by the application role's rights instead (INSERT and SELECT only), and the
chain columns stay empty.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from store.schema import AuditEntry

GENESIS = ""
BROKEN_LINK = "le lien vers la ligne précédente est rompu (ligne supprimée, remplacée ou insérée avant celle-ci)"


def _utc_text(at: datetime) -> str:
    """One spelling of a timestamp whatever the backend hands back (SQLite: naive UTC)."""
    if at.tzinfo is not None:
        at = at.astimezone(UTC).replace(tzinfo=None)
    return at.isoformat(sep=" ", timespec="microseconds")


def row_hash(prev_hash: str, entry: AuditEntry) -> str:
    """The hash of one row: its predecessor's hash and its own content (every column but the id)."""
    content = [
        prev_hash,
        entry.commune_id,
        _utc_text(entry.at),
        entry.actor_id,
        entry.actor_role,
        entry.actor_label,
        entry.action,
        entry.object_type,
        entry.object_id,
        entry.details,
    ]
    return hashlib.sha256(json.dumps(content, ensure_ascii=False).encode("utf-8")).hexdigest()


def _same_commune(commune_id: int | None) -> ColumnElement[bool]:
    return AuditEntry.commune_id.is_(None) if commune_id is None else AuditEntry.commune_id == commune_id


def chain(session: Session, entry: AuditEntry) -> None:
    """Fill ``prev_hash`` and ``row_hash`` of a new ``entry`` (before it is inserted, in the writer's lock)."""
    prev = session.scalar(
        select(AuditEntry.row_hash).where(_same_commune(entry.commune_id)).order_by(AuditEntry.id.desc()).limit(1)
    )
    entry.prev_hash = prev or GENESIS
    entry.row_hash = row_hash(entry.prev_hash, entry)


@dataclass(frozen=True)
class Break:
    """The first row where the chain does not hold."""

    entry_id: int
    commune_id: int | None
    reason: str


@dataclass(frozen=True)
class ChainReport:
    """What :func:`verify` found: rows checked, the chains' heads (commune → count, last hash), the first break."""

    rows: int
    heads: dict[int | None, tuple[int, str]]
    broken: Break | None

    @property
    def ok(self) -> bool:
        return self.broken is None


def verify_rows(entries: Iterable[AuditEntry]) -> ChainReport:
    """Walk rows in id order, one chain per commune; pure (no database)."""
    last: dict[int | None, str] = {}
    counts: dict[int | None, int] = {}
    breaks: list[Break] = []
    rows = 0
    for entry in entries:
        rows += 1
        commune = entry.commune_id
        expected_prev = last.get(commune, GENESIS)
        if entry.row_hash is None or entry.prev_hash is None:
            breaks.append(Break(entry.id, commune, "ligne sans empreinte (insérée hors de l'application)"))
        elif entry.prev_hash != expected_prev:
            breaks.append(Break(entry.id, commune, BROKEN_LINK))
        elif row_hash(entry.prev_hash, entry) != entry.row_hash:
            breaks.append(Break(entry.id, commune, "son contenu ne correspond plus à son empreinte (ligne modifiée)"))
        last[commune] = entry.row_hash or ""
        counts[commune] = counts.get(commune, 0) + 1
    heads = {c: (counts[c], last[c]) for c in counts}
    return ChainReport(rows, heads, min(breaks, key=lambda b: b.entry_id) if breaks else None)


def verify(session: Session, commune_id: int | None = None, *, every_commune: bool = True) -> ChainReport:
    """Verify the chain of one commune (``every_commune=False``) or of every commune and the platform."""
    query = select(AuditEntry).order_by(AuditEntry.id)
    if not every_commune:
        query = query.where(_same_commune(commune_id))
    return verify_rows(session.scalars(query))
