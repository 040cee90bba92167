"""The members migration: tables exist on both backends, the audit log is append-only in the database."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, inspect, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError

from store import bind_platform, transaction
from store.schema import AuditEntry, Base


def test_every_members_table_is_created(engine):
    names = set(inspect(engine).get_table_names())
    expected = {t.name for t in Base.metadata.sorted_tables}
    assert expected <= names


def test_audit_log_refuses_update_and_delete(engine):
    # A platform entry (no commune): seen in the platform scope only, so each transaction binds it (PostGIS) and
    # the refusal below is the audit log's own, not a row hidden by row-level security.
    with transaction(engine) as session:
        bind_platform(session)
        session.add(AuditEntry(actor_role="platform_admin", action="created", object_type="member", object_id="1"))
    for statement in (
        update(AuditEntry).values(action="changed"),
        delete(AuditEntry),
    ):
        with pytest.raises((DBAPIError, IntegrityError)), transaction(engine) as session:
            bind_platform(session)
            session.execute(statement)
    with transaction(engine) as session:
        bind_platform(session)
        assert session.scalars(select(AuditEntry.action)).all() == ["created"]
