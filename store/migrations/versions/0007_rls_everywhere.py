"""Commune isolation on every table holding commune data (PostgreSQL row-level security, ENABLE + FORCE).

A transaction sees a commune's rows only once bound to it (``store.bind_commune``: ``SET LOCAL
voisinage.commune_id``); unbound, it sees none. Three kinds of tables:

- rows carrying ``commune_id``: visible and writable when it equals the bound commune; rows whose
  ``commune_id`` is NULL (platform admins, platform entries of the audit log) only in the platform scope
  (``store.bind_platform``: ``SET LOCAL voisinage.platform = 'on'``);
- rows reaching a commune through a foreign key (sectors, sessions, sanctions, charter acceptances): visible
  when their parent row is (the policy's sub-query is itself filtered by the parent's policy);
- public reference data that only the platform writes (communes, BAN addresses and their imports): readable
  by every transaction, written in the platform scope only (a commune may update its own row).

Sign-in needs a member's commune before it can bind it: :func:`voisinage_scope_of` (SECURITY DEFINER,
owned by the NOLOGIN role ``voisinage_lookup`` whose only rights are a SELECT policy and column grants on
``members`` and ``auth_sessions``) returns the scope (a commune id, or ``platform``) of an e-mail, a session
token hash or an invitation hash, and nothing else.

On SQLite nothing changes (one commune per embedded database; see the README).

Revision ID: 0007_rls_everywhere
Revises: 0001_foundation
Depends on: 0002_members, 0006_alerts_version, 0010_absences
"""

from __future__ import annotations

from alembic import op

revision = "0007_rls_everywhere"
down_revision = "0001_foundation"
branch_labels = ("isolation",)
depends_on = ("0002_members", "0006_alerts_version", "0010_absences")

LOOKUP_ROLE = "voisinage_lookup"
COMMUNE = "NULLIF(current_setting('voisinage.commune_id', true), '')::integer"
PLATFORM = "(coalesce(current_setting('voisinage.platform', true), '') = 'on')"

# Tables with a commune_id column (NOT NULL): the row's commune must be the bound one.
BY_COMMUNE = ("sector_sets", "charters", "referent_assignments", "gendarmerie_access_changes", "absences")
# Tables whose commune_id may be NULL (platform rows, seen in the platform scope only).
BY_COMMUNE_OR_PLATFORM = ("members", "audit_log")
# Tables reaching a commune through a foreign key: visible when the parent row is.
BY_PARENT = {
    "sectors": ("sector_set_id", "sector_sets"),
    "auth_sessions": ("member_id", "members"),
    "sanctions": ("member_id", "members"),
    "charter_acceptances": ("member_id", "members"),
}
# Public reference data written by the platform only.
PLATFORM_WRITES = ("addresses", "address_imports")

LOOKUP_FUNCTION = """
CREATE OR REPLACE FUNCTION voisinage_scope_of(p_kind text, p_key text) RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
    SELECT CASE WHEN m.commune_id IS NULL THEN 'platform' ELSE m.commune_id::text END
    FROM members m
    WHERE (p_kind = 'email' AND m.email = p_key)
       OR (p_kind = 'invitation' AND m.invitation_hash = p_key)
       OR (p_kind = 'session' AND m.id = (SELECT s.member_id FROM auth_sessions s WHERE s.token_hash = p_key))
    LIMIT 1
$$
"""


def _force(table: str) -> None:
    op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
    op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in BY_COMMUNE:
        _force(table)
        op.execute(
            f"CREATE POLICY {table}_commune_isolation ON {table} "
            f"USING (commune_id = {COMMUNE}) WITH CHECK (commune_id = {COMMUNE})"
        )
    for table in BY_COMMUNE_OR_PLATFORM:
        _force(table)
        rule = f"(commune_id = {COMMUNE} OR (commune_id IS NULL AND {PLATFORM}))"
        op.execute(f"CREATE POLICY {table}_commune_isolation ON {table} USING {rule} WITH CHECK {rule}")
    for table, (column, parent) in BY_PARENT.items():
        _force(table)
        rule = f"({column} IN (SELECT id FROM {parent}))"
        op.execute(f"CREATE POLICY {table}_commune_isolation ON {table} USING {rule} WITH CHECK {rule}")
    _force("communes")
    op.execute("CREATE POLICY communes_read ON communes FOR SELECT USING (true)")
    op.execute(f"CREATE POLICY communes_create ON communes FOR INSERT WITH CHECK {PLATFORM}")
    op.execute(
        f"CREATE POLICY communes_update ON communes FOR UPDATE "
        f"USING (id = {COMMUNE} OR {PLATFORM}) WITH CHECK (id = {COMMUNE} OR {PLATFORM})"
    )
    op.execute(f"CREATE POLICY communes_delete ON communes FOR DELETE USING {PLATFORM}")
    for table in PLATFORM_WRITES:
        _force(table)
        op.execute(f"CREATE POLICY {table}_read ON {table} FOR SELECT USING (true)")
        op.execute(f"CREATE POLICY {table}_platform_write ON {table} USING {PLATFORM} WITH CHECK {PLATFORM}")
    _lookup_function()


def _lookup_function() -> None:
    op.execute(
        f"""
        DO $$
        BEGIN
            IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{LOOKUP_ROLE}') THEN
                CREATE ROLE {LOOKUP_ROLE} NOLOGIN;
            END IF;
            EXECUTE format('GRANT {LOOKUP_ROLE} TO %I', current_user);
        END
        $$
        """
    )
    op.execute(f"GRANT SELECT (id, commune_id, email, invitation_hash) ON members TO {LOOKUP_ROLE}")
    op.execute(f"GRANT SELECT (member_id, token_hash) ON auth_sessions TO {LOOKUP_ROLE}")
    op.execute(f"CREATE POLICY members_scope_lookup ON members FOR SELECT TO {LOOKUP_ROLE} USING (true)")
    op.execute(f"CREATE POLICY auth_sessions_scope_lookup ON auth_sessions FOR SELECT TO {LOOKUP_ROLE} USING (true)")
    op.execute(LOOKUP_FUNCTION)
    op.execute(f"ALTER FUNCTION voisinage_scope_of(text, text) OWNER TO {LOOKUP_ROLE}")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP FUNCTION IF EXISTS voisinage_scope_of(text, text)")
    op.execute("DROP POLICY IF EXISTS members_scope_lookup ON members")
    op.execute("DROP POLICY IF EXISTS auth_sessions_scope_lookup ON auth_sessions")
    op.execute(f"REVOKE ALL ON members, auth_sessions FROM {LOOKUP_ROLE}")
    tables = [*BY_COMMUNE, *BY_COMMUNE_OR_PLATFORM, *BY_PARENT, "communes", *PLATFORM_WRITES]
    for table in tables:
        for policy in ("commune_isolation", "read", "create", "update", "delete", "platform_write"):
            op.execute(f"DROP POLICY IF EXISTS {table}_{policy} ON {table}")
        op.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
