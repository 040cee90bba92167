"""Commune isolation on PostGIS: the catalogue of tables holding commune data, a two-commune world with a row
in every one of them, and the probe counting what a connection reads of the other commune."""

from __future__ import annotations

from datetime import timedelta

from alerts_support import BOURAY, LARDY, T0, build_world, inner_point, who
from sqlalchemy import Connection, Engine, text

from alerts import AlertConfig, post_alert
from community._passwords import hash_password
from store import transaction
from store.schema import (
    AuditEntry,
    AuthSession,
    Charter,
    CharterAcceptance,
    GendarmerieAccessChange,
    Member,
    Role,
)

PASSWORD = "Tr0ub4dour&3-isolation"

_FOREIGN_KEYS = text(
    """
    SELECT c.conrelid::regclass::text AS child, c.confrelid::regclass::text AS parent
    FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
    WHERE c.contype = 'f' AND n.nspname = 'public'
    """
)
_TABLES = text(
    """
    SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity,
           (SELECT count(*) FROM pg_policies p WHERE p.schemaname = 'public' AND p.tablename = c.relname) AS policies,
           EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'commune_id'
                   AND NOT a.attisdropped) AS has_commune_id
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
    ORDER BY c.relname
    """
)


def catalogue(conn: Connection) -> dict[str, dict[str, object]]:
    """Every table of the schema: its RLS flags, policy count, and why it holds commune data (or None).

    A table holds commune data when it is ``communes``, has a ``commune_id`` column, or reaches one of those
    through a chain of foreign keys.
    """
    tables = {r.relname: dict(r._mapping) for r in conn.execute(_TABLES)}
    edges = [(r.child, r.parent) for r in conn.execute(_FOREIGN_KEYS)]
    why: dict[str, str] = {"communes": "la table des communes"}
    why.update({t: "colonne commune_id" for t, row in tables.items() if row["has_commune_id"]})
    changed = True
    while changed:  # propagate along foreign keys until nothing changes
        changed = False
        for child, parent in edges:
            if child not in why and parent in why:
                why[child] = f"clé étrangère vers {parent} ({why[parent]})"
                changed = True
    for name, row in tables.items():
        row["commune_data"] = why.get(name)
    return tables


def build_isolation_world(owner: Engine, shared_file) -> dict:
    """Bouray and Lardy, each with a row in every table holding commune data (written as the owner)."""
    world = build_world(owner, shared_file)
    config = AlertConfig()
    for email, insee, sector in (("alice@a.fr", BOURAY, "A1"), ("lea@lardy.fr", LARDY, "A1")):
        lon, lat = inner_point(world["geoms"][(insee, sector)])
        post_alert(owner, who(owner, email), category="vol", text="Vélo volé devant le portail.", lon=lon, lat=lat,
                   now=T0, config=config)  # fmt: skip
    with transaction(owner) as s:
        for commune_id in (world["bouray_id"], world["lardy_id"]):
            charter = Charter(commune_id=commune_id, version=1, text="Charte.")
            s.add(charter)
            s.flush()
            member = s.query(Member).filter_by(commune_id=commune_id).order_by(Member.id).first()
            assert member is not None
            member.password_hash = hash_password(PASSWORD)
            s.add(CharterAcceptance(member_id=member.id, charter_id=charter.id))
            s.add(AuthSession(member_id=member.id, token_hash=f"{commune_id:064d}", expires_at=T0 + timedelta(days=1)))
            s.add(GendarmerieAccessChange(commune_id=commune_id, is_open=False))
            s.add(AuditEntry(commune_id=commune_id, actor_role="mairie_agent", action="viewed", object_type="probe"))
        admin = Member(commune_id=None, email="admin@plateforme.fr", name="Admin", role=Role.PLATFORM_ADMIN,
                       password_hash=hash_password(PASSWORD))  # fmt: skip
        s.add(admin)
        s.add(AuditEntry(commune_id=None, actor_role="platform_admin", action="created", object_type="commune"))
    return world


def _commune_of(table: str) -> str:
    """SQL giving the commune of each row of ``table`` (through its foreign key when it has no commune_id)."""
    via = {
        "communes": "SELECT id FROM communes",
        "sectors": "SELECT ss.commune_id FROM sectors t JOIN sector_sets ss ON ss.id = t.sector_set_id",
        "auth_sessions": "SELECT m.commune_id FROM auth_sessions t JOIN members m ON m.id = t.member_id",
        "sanctions": "SELECT m.commune_id FROM sanctions t JOIN members m ON m.id = t.member_id",
        "charter_acceptances": "SELECT m.commune_id FROM charter_acceptances t JOIN members m ON m.id = t.member_id",
    }
    return via.get(table, f"SELECT commune_id FROM {table}")


def probe(engine: Engine, tables: list[str], bind_to: int | None, victim: int) -> dict[str, int]:
    """Rows of commune ``victim`` each table shows to a transaction bound to ``bind_to`` (None: unbound)."""
    seen: dict[str, int] = {}
    with engine.connect() as conn, conn.begin():
        if bind_to is not None:
            conn.execute(text(f"SET LOCAL voisinage.commune_id = '{int(bind_to)}'"))
        for table in tables:
            if table == "communes":
                continue  # public: every commune's name and boundary (written by the platform only)
            query = f"SELECT count(*) FROM ({_commune_of(table)}) AS x(commune_id) WHERE commune_id = :victim"
            seen[table] = int(conn.execute(text(query), {"victim": victim}).scalar_one())
    return seen
