"""The audit log's integrity: what ``voisinage audit verify`` calls."""

from __future__ import annotations

from dataclasses import dataclass

from services._core import Actor, ServiceError, unit_of_work


@dataclass(frozen=True)
class AuditCheck:
    """The outcome of a verification: rows checked, chain heads, and the first broken row (French) or None."""

    rows: int
    chained: bool  # False on PostGIS: the log is protected by rights, not by a hash chain
    heads: tuple[tuple[str, int, str], ...]  # (commune INSEE or "plateforme", rows, last hash)
    broken: str | None


def verify_audit_log(actor: Actor, insee: str | None = None, *, url: str | None = None) -> AuditCheck:
    """Verify the audit log's hash chain (of one commune, or of every commune and the platform).

    Raises
    ------
    ServiceError
        ``field="commune"``: unknown commune.
    """
    from community import get_commune
    from community._audit_chain import verify
    from community._permissions import Action, require
    from store import bind_platform, is_postgis
    from store.schema import Commune

    with unit_of_work(url=url) as session:
        commune_id: int | None = None
        if insee is not None:
            try:
                commune_id = get_commune(session, insee).id
            except ServiceError as exc:
                raise ServiceError(str(exc), field="commune") from exc
        else:
            bind_platform(session)
        require(actor, Action.VIEW_AUDIT_LOG, commune_id=commune_id)
        if is_postgis(session):
            return AuditCheck(0, False, (), None)
        report = verify(session, commune_id, every_commune=insee is None)
        codes = dict(session.execute(Commune.__table__.select().with_only_columns(Commune.id, Commune.insee)).all())
        heads = tuple(
            (codes.get(c, str(c)) if c is not None else "plateforme", n, last)
            for c, (n, last) in sorted(report.heads.items(), key=lambda kv: (kv[0] is not None, kv[0] or 0))
        )
        broken = None
        if report.broken is not None:
            where = codes.get(report.broken.commune_id, "plateforme") if report.broken.commune_id else "plateforme"
            broken = f"ligne n° {report.broken.entry_id} ({where}) : {report.broken.reason}"
        return AuditCheck(report.rows, True, heads, broken)
