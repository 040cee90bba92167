"""Alembic migrations: they build the schema the models describe, and they go down and up again."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect

from store import make_engine
from store._migrate import alembic_config, upgrade
from store._provision import provision_app_role
from store.schema import Base
from tests.conftest import app_url_for


def _diff(engine: Engine) -> list[object]:
    with engine.connect() as conn:
        ctx = MigrationContext.configure(
            conn,
            opts={
                "compare_type": False,
                # SQLite's R*Tree shadow tables and PostGIS's own tables are not ours to describe.
                "include_name": lambda name, kind, _parent: (
                    not (
                        kind == "table"
                        and (
                            name.endswith(("_rtree", "_rtree_node", "_rtree_rowid", "_rtree_parent"))
                            or name in {"spatial_ref_sys", "alembic_version"}
                        )
                    )
                ),
            },
        )
        return [
            d
            for d in compare_metadata(ctx, Base.metadata)
            if d[0] not in {"add_index", "remove_index"} or ("geom" not in str(d) and "boundary" not in str(d))
        ]


def test_models_match_migrations(owner_db_url: str) -> None:
    engine = make_engine(owner_db_url)
    assert _diff(engine) == []
    engine.dispose()


def test_downgrade_then_upgrade(owner_db_url: str) -> None:
    engine = make_engine(owner_db_url)
    config = alembic_config()
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "base")
    assert "sectors" not in inspect(engine).get_table_names()
    upgrade(engine)
    assert {"communes", "sector_sets", "sectors"} <= set(inspect(engine).get_table_names())
    if engine.dialect.name == "postgresql":  # the tables are new: grant them to the app role again (as db init)
        provision_app_role(engine, app_url_for(owner_db_url))
    engine.dispose()
