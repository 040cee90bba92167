"""The inbound SMS look-up in one step: ``voisinage_scope_of('phone', '+336…')`` returns the commune of the
member who gave that number (a verified member first), so ``/sms/inbound`` binds that commune and reads the
member with one indexed query, instead of trying each commune in turn.

The function stays what migration 0007 made it (SECURITY DEFINER, owned by the NOLOGIN role
``voisinage_lookup``); the role may now also read, in ``notify_prefs``, the member and the number (through a
SELECT policy for that role only), and, in ``members``, the status. Nothing else changes; SQLite has nothing
to do (no row-level security: the look-up is one query on the ``phone`` index).

Revision ID: 0012_sms_phone_lookup
Revises: 0007_rls_everywhere
Depends on: 0009_outbox
"""

from __future__ import annotations

from alembic import op

revision = "0012_sms_phone_lookup"
down_revision = "0007_rls_everywhere"
branch_labels = None
depends_on = ("0009_outbox",)

LOOKUP_ROLE = "voisinage_lookup"

WITH_PHONE = """
CREATE OR REPLACE FUNCTION voisinage_scope_of(p_kind text, p_key text) RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
    SELECT CASE WHEN m.commune_id IS NULL THEN 'platform' ELSE m.commune_id::text END
    FROM members m
    WHERE (p_kind = 'email' AND m.email = p_key)
       OR (p_kind = 'invitation' AND m.invitation_hash = p_key)
       OR (p_kind = 'session' AND m.id = (SELECT s.member_id FROM auth_sessions s WHERE s.token_hash = p_key))
       OR (p_kind = 'phone' AND m.id IN (SELECT p.member_id FROM notify_prefs p WHERE p.phone = p_key))
    ORDER BY (m.status = 'verified') DESC, m.id
    LIMIT 1
$$
"""

WITHOUT_PHONE = """
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


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"GRANT SELECT (member_id, phone) ON notify_prefs TO {LOOKUP_ROLE}")
    op.execute(f"GRANT SELECT (status) ON members TO {LOOKUP_ROLE}")
    op.execute(f"CREATE POLICY notify_prefs_scope_lookup ON notify_prefs FOR SELECT TO {LOOKUP_ROLE} USING (true)")
    op.execute(WITH_PHONE)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(WITHOUT_PHONE)
    op.execute("DROP POLICY IF EXISTS notify_prefs_scope_lookup ON notify_prefs")
    op.execute(f"REVOKE SELECT (member_id, phone) ON notify_prefs FROM {LOOKUP_ROLE}")
    op.execute(f"REVOKE SELECT (status) ON members FROM {LOOKUP_ROLE}")
