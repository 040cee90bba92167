"""Who reads which alert, enforced in the data layer.

- :func:`scoped` opens a transaction bound to one commune. On PostGIS it sets ``voisinage.commune_id``
  with ``SET LOCAL`` (row-level security then hides every other commune's rows, whatever the query).
- :class:`Viewer` is a member as the alerts see them (role, sector, referent sectors, sanctions, whether
  the gendarmerie's access is open). Its rights are the permission matrix's (:meth:`Viewer.right`): nothing
  here names a role.
- :func:`visible_alerts` is the one query every read path starts from, drawn from the matrix's
  ``VIEW_ALERTS`` and ``MODERATE_ALERTS`` scopes: an author always sees their own alerts; a scope of the
  commune sees the commune's alerts (every status with the right to moderate there, else the published ones);
  a scope of sectors sees the published alerts of the member's home sector, and, with the right to moderate
  the sectors they refer, those awaiting moderation there; nobody else anything. A withdrawn alert is in no
  feed.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import ColumnElement, DateTime, Engine, Integer, Select, and_, bindparam, false, or_, select, true
from sqlalchemy.orm import Session

from alerts._moderation import VISIBLE_STATUSES, Status
from community._permissions import GENDARMERIE_GATED, UNVERIFIED_ALLOWED, Action, Actor, Scope, scope_of
from gis import InputError
from store import transaction
from store._rls import bind_commune
from store.schema import (
    Alert,
    AlertSector,
    Commune,
    GendarmerieAccessChange,
    Member,
    MemberStatus,
    ReferentAssignment,
    Role,
    Sanction,
    SanctionKind,
)

WIDE = frozenset({Scope.COMMUNE, Scope.ANY_COMMUNE})


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

    state: str = ""  # pending, verified, suspended, refused, excluded (why an empty feed is empty)

    def right(self, action: Action) -> Scope:
        """The scope within which this member may do ``action`` now: the permission matrix's cell for their role,
        with the matrix's status rules (an inactive account: nothing; unverified: its own account, and what
        :data:`community.UNVERIFIED_ALLOWED` allows; the gendarmerie: gated by its access)."""
        role = Role(self.role)
        scope = scope_of(role, action)
        if not self.active or scope in (Scope.NONE, Scope.SELF):
            return scope if self.active else Scope.NONE
        if not self.verified and action not in UNVERIFIED_ALLOWED.get(role, frozenset()):
            return Scope.NONE
        if role == Role.GENDARMERIE and action in GENDARMERIE_GATED and not self.gendarmerie_open:
            return Scope.NONE
        return scope

    @property
    def sectors(self) -> frozenset[str]:
        """The home sector and the sectors this member refers (the matrix's ``SECTORS`` scope)."""
        return self.referent_codes | ({self.sector_code} if self.sector_code else set())

    def may(self, action: Action, sector_codes: set[str] | frozenset[str] = frozenset()) -> bool:
        """Whether this member may do ``action`` on an alert of their commune diffused in ``sector_codes``."""
        scope = self.right(action)
        if scope in WIDE:
            return True
        if scope in (Scope.NONE, Scope.SELF):
            return False
        allowed = self.sectors if scope == Scope.SECTORS else self.referent_codes
        return bool(allowed & set(sector_codes))

    @property
    def sees_whole_commune(self) -> bool:
        return self.right(Action.VIEW_ALERTS) in WIDE

    @property
    def may_moderate(self) -> bool:
        return self.right(Action.MODERATE_ALERTS) != Scope.NONE

    def sees_exact_location(self, author_id: int | None, home_codes: set[str]) -> bool:
        """The author, whoever sees the whole commune, and whoever may moderate the alert's home sector."""
        if author_id == self.member_id and self.active:
            return True
        return self.sees_whole_commune or self.may(Action.MODERATE_ALERTS, home_codes)


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
    .where(Member.id == bindparam("member_id"))
)


def load_viewer(session: Session, actor: Actor, now: datetime, *, bind: bool = False) -> Viewer:
    """The acting member as a :class:`Viewer` (sanctions and referent sectors in force at ``now``).

    With ``bind``, the transaction is first bound to the member's commune (:func:`store.bind_scope_of`: on
    PostGIS, row-level security hides every member until then).

    Raises
    ------
    gis.InputError
        ``field="actor"``: the operator without an account (it neither reads nor posts alerts), an unknown
        or deleted account, or an account without a commune.
    """
    return load_viewer_with(session, actor, now, None, {}, bind=bind)[0]


@cache
def _joined(statement: Any) -> Any:
    """The viewer's query joined with ``statement``, built once per statement (see :func:`load_viewer_with`)."""
    viewer, other = _VIEWER_QUERY.subquery("viewer"), statement.subquery("also")
    return select(viewer, *[c.label(f"also_{c.key}") for c in other.c]).select_from(viewer.outerjoin(other, true()))


def load_viewer_with(
    session: Session,
    actor: Actor,
    now: datetime,
    statement: Any,
    params: dict[str, Any],
    *,
    bind: bool = False,
) -> tuple[Viewer, list[Any]]:
    """:func:`load_viewer`, and the rows of ``statement`` (a query built once, of the member's commune, with
    ``params``) in the same round trip: their columns are named ``also_<column>``; none when it has no row.

    ``statement`` is run whoever the actor is (it must hold nothing the actor may not see); a refused actor
    raises as :func:`load_viewer` does.
    """
    if actor.member_id is None:
        raise InputError(
            "L'opérateur de la plateforme ne lit ni ne publie d'alertes : agissez pour un membre.", field="actor"
        )
    if bind and actor.commune_id is not None:
        bind_commune(session, actor.commune_id)  # the actor's commune is known: one statement, no look-up
    values = {"member_id": actor.member_id, "now": now}
    if statement is None:
        rows = session.execute(_VIEWER_QUERY, values).all()
        also: list[Any] = []
    else:
        rows = session.execute(_joined(statement), {**values, **params}).all()
        also = [r for r in rows if any(v is not None for k, v in r._mapping.items() if k.startswith("also_"))]
    row = rows[0] if rows else None
    if row is None or row.status == MemberStatus.DELETED:
        raise InputError("Ce compte n'existe pas ou a été supprimé.", field="actor")
    if row.commune_id is None:
        raise InputError(
            "Ce compte n'est rattaché à aucune commune : il ne peut ni publier ni lire d'alertes.", field="actor"
        )
    role = str(row.role.value if hasattr(row.role, "value") else row.role)
    referent_codes: frozenset[str] = frozenset()
    if role == Role.REFERENT:
        referent_codes = frozenset(
            session.scalars(
                select(ReferentAssignment.sector_code).where(
                    ReferentAssignment.member_id == row.id, ReferentAssignment.ended_at.is_(None)
                )
            )
        )
    status = str(row.status.value if hasattr(row.status, "value") else row.status)
    viewer = Viewer(
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
        gendarmerie_open=_gendarmerie_open(session, row.commune_id) if role == Role.GENDARMERIE else False,
        state="suspended" if row.sanctioned and status == MemberStatus.VERIFIED else status,
    )
    return viewer, also


def _in_sectors(viewer: Viewer, codes: set[str]) -> ColumnElement[bool]:
    return _diffused_in(viewer.commune_id, sorted(codes))


def _diffused_in(commune: Any, codes: Any) -> ColumnElement[bool]:
    """Alerts diffused in one of ``codes`` (a list, or an expanding bind parameter) of ``commune``."""
    return Alert.id.in_(
        select(AlertSector.alert_id).where(AlertSector.commune_id == commune, AlertSector.sector_code.in_(codes))
    )


def _visibility(
    reads: Scope, moderates: Scope, member: Any, commune: Any, home: Any, referents: Any
) -> ColumnElement[bool]:
    """The rule of :func:`visibility_clause` for an active member: ``member`` and ``commune`` are values or bind
    parameters, ``home`` and ``referents`` lists of sector codes or expanding bind parameters (None: no home
    sector, no referent sector)."""
    visible = Alert.status.in_([s.value for s in VISIBLE_STATUSES])
    clauses = [Alert.author_id == member]
    if reads in WIDE:
        clauses.append(true() if moderates in WIDE else visible)
    elif reads == Scope.SECTORS and home is not None:
        clauses.append(and_(visible, _diffused_in(commune, home)))
    if moderates == Scope.REFERENT_SECTORS and referents is not None:
        moderation = [Status.PENDING.value, Status.APPEALED.value, *(s.value for s in VISIBLE_STATUSES)]
        clauses.append(and_(Alert.status.in_(moderation), _diffused_in(commune, referents)))
    return and_(Alert.commune_id == commune, Alert.status != Status.WITHDRAWN.value, or_(*clauses))


def visibility_clause(viewer: Viewer) -> ColumnElement[bool]:
    """The SQL condition on :class:`Alert` rows that ``viewer`` may read (see the module's docstring)."""
    if not viewer.active:
        return false()
    reads, moderates = viewer.right(Action.VIEW_ALERTS), viewer.right(Action.MODERATE_ALERTS)
    home = [viewer.sector_code] if viewer.sector_code else None
    return _visibility(
        reads, moderates, viewer.member_id, viewer.commune_id, home, sorted(viewer.referent_codes) or None
    )


@dataclass(frozen=True)
class BoundVisibility:
    """:func:`visibility_clause` written with bind parameters: built once per kind of viewer, reused by every
    viewer of that kind (building the clause costs more than running the query), with this viewer's values.

    Attributes
    ----------
    kind:
        What the clause's shape depends on (a key for caching a statement built on ``clause``).
    clause:
        The condition, with bind parameters named ``vis_*``.
    params:
        This viewer's values of those parameters.
    """

    kind: tuple[Any, ...]
    clause: ColumnElement[bool]
    params: dict[str, Any]


@cache
def _visibility_template(kind: tuple[Any, ...]) -> ColumnElement[bool]:
    if kind == ("inactive",):
        return false()
    reads, moderates, has_home, has_referents = kind
    return _visibility(
        reads,
        moderates,
        bindparam("vis_member", type_=Integer()),
        bindparam("vis_commune", type_=Integer()),
        bindparam("vis_home", expanding=True) if has_home else None,
        bindparam("vis_referents", expanding=True) if has_referents else None,
    )


def bound_visibility(viewer: Viewer) -> BoundVisibility:
    """The condition of :func:`visibility_clause` for ``viewer``, as a cached clause and its parameters."""
    if not viewer.active:
        return BoundVisibility(("inactive",), _visibility_template(("inactive",)), {})
    reads, moderates = viewer.right(Action.VIEW_ALERTS), viewer.right(Action.MODERATE_ALERTS)
    kind = (reads, moderates, bool(viewer.sector_code), bool(viewer.referent_codes))
    params: dict[str, Any] = {"vis_member": viewer.member_id, "vis_commune": viewer.commune_id}
    if viewer.sector_code:
        params["vis_home"] = [viewer.sector_code]
    if viewer.referent_codes:
        params["vis_referents"] = sorted(viewer.referent_codes)
    return BoundVisibility(kind, _visibility_template(kind), params)


def visible_alerts(viewer: Viewer) -> Select[Alert]:
    """``SELECT alerts`` restricted to what ``viewer`` may read: every read path starts here."""
    return select(Alert).where(visibility_clause(viewer))


def visible_id_branches(
    viewer: Viewer, limit: int, before_id: int | None = None, categories: Collection[str] | None = None
) -> list[Select[int]]:
    """The newest ``limit`` visible alert ids, as one index-driven query per branch of
    :func:`visibility_clause` (their union is exactly what the clause allows, withdrawn alerts apart, which
    the caller drops when it reads the rows; a test checks it). ``categories``: only alerts of these codes
    (the solidarity stream); None: every category.

    Each branch walks one index backwards (a sector's entries in ``alert_sectors``, the author's alerts, the
    commune's alerts) and stops after ``limit`` rows: a feed costs the same with 1,000 or 1,000,000 alerts.
    """
    if not viewer.active:
        return []
    visible = [s.value for s in VISIBLE_STATUSES]

    def newest(query: Select[int], column: Any) -> Select[int]:
        if before_id is not None:
            query = query.where(column < before_id)
        if categories is not None:
            query = query.where(Alert.category.in_(sorted(categories)))
        return query.order_by(column.desc()).limit(limit)

    def sector(code: str, statuses: list[str]) -> Select[int]:
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

    # The author's own alerts, by author only: a member belongs to one commune, the rows are re-checked for the
    # commune when read (``feed_for``), and a commune condition here leads SQLite (no statistics) to walk the
    # whole commune through ix_alerts_heat (commune_id, created_at) and sort it: 300 ms instead of 0.1 ms.
    branches = [newest(select(Alert.id).where(Alert.author_id == viewer.member_id), Alert.id)]
    reads, moderates = viewer.right(Action.VIEW_ALERTS), viewer.right(Action.MODERATE_ALERTS)
    commune = select(Alert.id).where(Alert.commune_id == viewer.commune_id)
    if reads in WIDE and moderates in WIDE:
        return [newest(commune, Alert.id)]  # every alert of the commune, the member's own included
    if reads in WIDE:
        branches.append(newest(commune.where(Alert.status.in_(visible)), Alert.id))
    elif reads == Scope.SECTORS and viewer.sector_code:
        branches.append(sector(viewer.sector_code, visible))
    if moderates == Scope.REFERENT_SECTORS:
        moderation = [Status.PENDING.value, Status.APPEALED.value, *visible]
        branches += [sector(code, moderation) for code in sorted(viewer.referent_codes)]
    return branches
