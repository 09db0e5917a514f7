import sqlite3

import pytest
from sqlalchemy import text

from seglab.store import Database


@pytest.mark.new_home
@pytest.mark.sqlite_only
def test_sqlite_file_in_wal_mode_at_the_newest_schema(ws, seglab_home):
    database_file = seglab_home / "seglab.db"
    assert database_file.is_file()
    with ws.db.engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
    assert ws.db.current_revision() == ws.db.head_revision() is not None
    tables = {
        row[0] for row in sqlite3.connect(database_file).execute("select name from sqlite_master where type='table'")
    }
    assert {
        "projects",
        "categories",
        "images",
        "image_tags",
        "annotations",
        "annotation_revisions",
        "alembic_version",
    } <= tables


def test_reopening_does_not_migrate_again(ws):
    again = Database(ws.db.url)
    assert again.current_revision() == ws.db.head_revision()
    again.dispose()


def test_migrations_create_exactly_the_schema_the_code_declares(ws):
    """A model change without its Alembic migration (or the reverse) shows up here, not on a user's database."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from seglab.store._models import Base

    with ws.db.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == []
