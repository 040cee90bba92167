"""Drop the legacy NOLOGIN role ``voisinage_app`` (migrations 0003 and 0009), which nothing uses any more.

Transactions once switched to it (``SET LOCAL ROLE``) when the application connected as a superuser. The
application now connects as its own login role, created by ``voisinage db init`` (not superuser, not owner, no
BYPASSRLS), and never switches role: ``voisinage_app`` only kept read and write rights on every table (and
default privileges on the tables to come), an unused standing grant.

Safely: a role of that name that may log in is somebody's login role now (an application role given that name):
it is left alone; so is the legacy role when it owns something (a DBA's own object). Otherwise its rights in this
database are revoked (``DROP OWNED``: privileges and default privileges; it owns nothing) and the role is
dropped; when another database of the cluster still grants it something, or the migrating role may not drop
roles, it stays, with no right left here (a notice says so).

Revision ID: 0011_drop_legacy_app_role
Revises: 0009_outbox
"""

from __future__ import annotations

from alembic import op

revision = "0011_drop_legacy_app_role"
down_revision = "0009_outbox"
branch_labels = None
depends_on = None

LEGACY_ROLE = "voisinage_app"


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        f"""
        DO $$
        DECLARE
            legacy oid := (SELECT oid FROM pg_roles WHERE rolname = '{LEGACY_ROLE}' AND NOT rolcanlogin);
        BEGIN
            IF legacy IS NULL THEN
                RETURN;
            END IF;
            IF EXISTS (SELECT 1 FROM pg_shdepend WHERE refobjid = legacy AND deptype = 'o') THEN
                RAISE NOTICE 'role {LEGACY_ROLE} owns objects: kept';
                RETURN;
            END IF;
            BEGIN
                DROP OWNED BY {LEGACY_ROLE};
            EXCEPTION WHEN insufficient_privilege THEN
                RAISE NOTICE 'role {LEGACY_ROLE}: its rights could not be revoked (insufficient privilege)';
                RETURN;
            END;
            BEGIN
                DROP ROLE {LEGACY_ROLE};
            EXCEPTION WHEN dependent_objects_still_exist OR insufficient_privilege THEN
                RAISE NOTICE 'role {LEGACY_ROLE} kept (used by another database, or not ours to drop)';
            END;
        END
        $$
        """
    )


def downgrade() -> None:
    # Nothing to restore: nothing uses the role, and upgrading 0003 again creates it (then this drops it).
    pass
