"""Every Alembic migration, up from an empty database to the newest schema, down to nothing and up again, on SQLite
and on PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect

from seglab.store import Database
from seglab.store._database import _alembic_config


@pytest.fixture
def empty_database(database, tmp_path, request) -> str:
    """The URL of a database with no tables at all."""
    if database == "postgresql":
        return request.getfixturevalue("postgres").create_empty_database()
    return f"sqlite:///{tmp_path / 'empty.db'}"


def _tables(db: Database) -> set[str]:
    with db.engine.connect() as connection:
        return set(inspect(connection).get_table_names())


def test_migrations_go_up_down_and_up_again(empty_database):
    from alembic import command
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from seglab.store._models import Base

    db = Database(empty_database)  # upgrades to the newest migration
    try:
        assert db.current_revision() == db.head_revision() is not None
        assert _tables(db) == {*Base.metadata.tables, "alembic_version"}
        config = _alembic_config(db.engine)
        command.downgrade(config, "base")
        assert db.current_revision() is None
        assert _tables(db) == {"alembic_version"}
        command.upgrade(config, "head")
        with db.engine.connect() as connection:
            assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
    finally:
        db.dispose()
