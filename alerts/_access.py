"""Who reads which alert, enforced in the data layer.

- :func:`scoped` opens a transaction bound to one commune. On PostGIS it sets ``voisinage.commune_id``
  with ``SET LOCAL`` (row-level security then hides every other commune's rows, whatever the query).
- :class:`Viewer` is a member as the alerts see them (role, sector, referent sectors, sanctions, whether
  the gendarmerie's access is open).
- :func:`visible_alerts` is the one query every read path starts from: a resident sees the published
  alerts whose perimeter includes their sector (and their own alerts); a referent also those of the sectors
  they refer, pending ones included (to moderate them); the mairie the whole commune; the gendarmerie the
  published alerts of the whole commune while its access is open; nobody else anything.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import DateTime, Engine, Select, and_, bindparam, false, or_, select
from sqlalchemy.orm import Session

from alerts._moderation import MODERATOR_ROLES, VISIBLE_STATUSES, Status
from gis import InputError
from store import transaction
from store._rls import bind_commune, bind_scope_of
from store.schema import (
    Alert,
    AlertSector,
    Commune,
    GendarmerieAccessChange,
    Member,
    MemberStatus,
    ReferentAssignment,
    Sanction,
    SanctionKind,
)

MAIRIE = frozenset({"mairie_agent", "mairie_admin"})


@contextmanager
def scoped(engine: Engine, commune_id: int) -> Iterator[Session]:
    """One transaction that can only see and write the alerts of ``commune_id``."""
    with transaction(engine) as session:
        bind_commune(session, commune_id)
        yield session


@dataclass(frozen=True)
class Viewer:
    """A member, as the alerts see them."""

    member_id: int
    commune_id: int
    insee: str
    crs_epsg: int
    role: str
    name: str
    verified: bool
    active: bool  # not suspended, excluded, refused or deleted
    sector_code: str | None
    referent_codes: frozenset[str]
    gendarmerie_open: bool

    @property
    def sees_whole_commune(self) -> bool:
        return self.active and (self.role in MAIRIE or (self.role == "gendarmerie" and self.gendarmerie_open))

    @property
    def may_moderate(self) -> bool:
        return self.active and self.role in MODERATOR_ROLES and self.role != "platform_admin"

    def sees_exact_location(self, author_id: int | None, home_codes: set[str]) -> bool:
        """The mairie, the open gendarmerie, the referents of the alert's sector, and the author."""
        if self.sees_whole_commune or author_id == self.member_id:
            return True
        return self.active and self.role == "referent" and bool(self.referent_codes & home_codes)


def _gendarmerie_open(session: Session, commune_id: int) -> bool:
    latest = session.scalar(
        select(GendarmerieAccessChange.is_open)
        .where(GendarmerieAccessChange.commune_id == commune_id)
        .order_by(GendarmerieAccessChange.id.desc())
        .limit(1)
    )
    return bool(latest)


# Built once: a statement rebuilt on every call costs more than running it.
_NOW = bindparam("now", type_=DateTime(timezone=True))
_VIEWER_QUERY = (
    select(
        Member.id,
        Member.role,
        Member.status,
        Member.name,
        Member.sector_code,
        Member.commune_id,
        Commune.insee,
        Commune.crs_epsg,
        select(Sanction.id)
        .where(
            Sanction.member_id == Member.id,
            Sanction.lifted_at.is_(None),
            Sanction.starts_at <= _NOW,
            or_(Sanction.ends_at.is_(None), Sanction.ends_at > _NOW),
            Sanction.kind.in_([SanctionKind.SUSPENSION, SanctionKind.EXCLUSION]),
        )
        .exists()
        .label("sanctioned"),
    )
    .outerjoin(Commune, Commune.id == Member.commune_id)
    .where(Member.email == bindparam("email"))
)


def load_viewer(session: Session, email: str, now: datetime, *, bind: bool = False) -> Viewer:
    """The member of e-mail ``email`` as a :class:`Viewer` (sanctions and referent sectors in force at ``now``).

    With ``bind``, the transaction is first bound to the member's commune (:func:`store.bind_scope_of`: on
    PostGIS, row-level security hides every member until then).

    Raises
    ------
    gis.InputError
        Unknown e-mail, or an account without a commune.
    """
    if bind:
        bind_scope_of(session, "email", email.strip().lower())
    row = session.execute(_VIEWER_QUERY, {"email": email.strip().lower(), "now": now}).first()
    if row is None or row.status == MemberStatus.DELETED:
        raise InputError(f"Aucun membre n'a l'adresse électronique « {email} ».")
    if row.commune_id is None:
        raise InputError("Ce compte n'est rattaché à aucune commune : il ne peut ni publier ni lire d'alertes.")
    role = str(row.role.value if hasattr(row.role, "value") else row.role)
    referent_codes: frozenset[str] = frozenset()
    if role == "referent":
        referent_codes = frozenset(
            session.scalars(
                select(ReferentAssignment.sector_code).where(
                    ReferentAssignment.member_id == row.id, ReferentAssignment.ended_at.is_(None)
                )
            )
        )
    return Viewer(
        member_id=row.id,
        commune_id=row.commune_id,
        insee=row.insee,
        crs_epsg=row.crs_epsg,
        role=role,
        name=row.name or f"membre n°{row.id}",
        verified=row.status == MemberStatus.VERIFIED,
        active=row.status in (MemberStatus.VERIFIED, MemberStatus.PENDING) and not row.sanctioned,
        sector_code=row.sector_code,
        referent_codes=referent_codes,
        gendarmerie_open=_gendarmerie_open(session, row.commune_id) if role == "gendarmerie" else False,
    )


def _in_sectors(viewer: Viewer, codes: set[str]) -> object:
    return Alert.id.in_(
        select(AlertSector.alert_id).where(
            AlertSector.commune_id == viewer.commune_id, AlertSector.sector_code.in_(sorted(codes))
        )
    )


def visibility_clause(viewer: Viewer) -> object:
    """The SQL condition on :class:`Alert` rows that ``viewer`` may read."""
    same_commune = Alert.commune_id == viewer.commune_id
    if not viewer.active:
        return false()
    if viewer.role in MAIRIE:
        return same_commune
    visible = Alert.status.in_([s.value for s in VISIBLE_STATUSES])
    if viewer.role == "gendarmerie":
        return and_(same_commune, visible) if viewer.gendarmerie_open else false()
    if viewer.role not in ("resident", "referent"):
        return false()  # platform admins operate the platform; they do not read alerts
    mine = Alert.author_id == viewer.member_id
    if not viewer.verified:
        return and_(same_commune, mine)  # an unverified member sees only their own alerts
    own = {viewer.sector_code} if viewer.sector_code else set()
    clauses = [mine]
    if own:
        clauses.append(and_(visible, _in_sectors(viewer, own)))
    if viewer.role == "referent" and viewer.referent_codes:
        moderation = [Status.PENDING.value, Status.APPEALED.value, *(s.value for s in VISIBLE_STATUSES)]
        clauses.append(and_(Alert.status.in_(moderation), _in_sectors(viewer, set(viewer.referent_codes))))
    return and_(same_commune, or_(*clauses))


def visible_alerts(viewer: Viewer) -> Select[tuple[Alert]]:
    """``SELECT alerts`` restricted to what ``viewer`` may read: every read path starts here."""
    return select(Alert).where(visibility_clause(viewer))


def visible_id_branches(viewer: Viewer, limit: int, before_id: int | None = None) -> list[Select[tuple[int]]]:
    """The newest ``limit`` visible alert ids, as one index-driven query per branch of
    :func:`visibility_clause` (their union is exactly what the clause allows; a test checks it).

    Each branch walks one index backwards (a sector's entries in ``alert_sectors``, the author's alerts, the
    commune's alerts) and stops after ``limit`` rows: a feed costs the same with 1,000 or 1,000,000 alerts.
    """
    if not viewer.active:
        return []
    visible = [s.value for s in VISIBLE_STATUSES]

    def newest(query: Select[tuple[int]], column: object) -> Select[tuple[int]]:
        if before_id is not None:
            query = query.where(column < before_id)  # type: ignore[operator]
        return query.order_by(column.desc()).limit(limit)  # type: ignore[attr-defined]

    def sector(code: str, statuses: list[str]) -> Select[tuple[int]]:
        return newest(
            select(AlertSector.alert_id)
            .join(Alert, Alert.id == AlertSector.alert_id)
            .where(
                AlertSector.commune_id == viewer.commune_id,
                AlertSector.sector_code == code,
                Alert.status.in_(statuses),
            ),
            AlertSector.alert_id,
        )

    commune = select(Alert.id).where(Alert.commune_id == viewer.commune_id)
    if viewer.role in MAIRIE:
        return [newest(commune, Alert.id)]
    if viewer.role == "gendarmerie":
        return [newest(commune.where(Alert.status.in_(visible)), Alert.id)] if viewer.gendarmerie_open else []
    if viewer.role not in ("resident", "referent"):
        return []
    # The author's own alerts, by author only: a member belongs to one commune, the rows are re-checked for the
    # commune when read (``feed_for``), and a commune condition here leads SQLite (no statistics) to walk the
    # whole commune through ix_alerts_heat (commune_id, created_at) and sort it: 300 ms instead of 0.1 ms.
    branches = [newest(select(Alert.id).where(Alert.author_id == viewer.member_id), Alert.id)]
    if not viewer.verified:
        return branches
    if viewer.sector_code:
        branches.append(sector(viewer.sector_code, visible))
    if viewer.role == "referent":
        moderation = [Status.PENDING.value, Status.APPEALED.value, *visible]
        branches += [sector(code, moderation) for code in sorted(viewer.referent_codes)]
    return branches
