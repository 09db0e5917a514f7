"""The database: engine set-up (SQLite in WAL mode by default), migrations, transactions."""

from __future__ import annotations

import ast
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from seglab.private import private_dir, private_file

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).with_name("migrations")


def _sqlite_pragmas(connection: sqlite3.Connection, _record: Any) -> None:
    """WAL lets readers work while one writer writes; FULL sync makes every commit survive power loss."""
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def create_database_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            database = Path(parsed.database).expanduser()
            private_file(private_dir(database.parent) / database.name)  # SQLite gives -wal and -shm its mode
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True)


def _alembic_config(engine: Engine) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


@cache
def _file_head_revision() -> str | None:
    """The one migration no other migration revises, read from the scripts' ``revision``/``down_revision``
    assignments without importing them (or Alembic); None when that is not a single revision (branches, a merge
    migration with a tuple), in which case :meth:`Database.migrate` leaves the decision to Alembic."""
    revisions: set[str] = set()
    revised: set[str] = set()
    for script in (MIGRATIONS / "versions").glob("*.py"):
        for statement in ast.parse(script.read_text(encoding="utf-8")).body:
            if not (isinstance(statement, ast.Assign) and len(statement.targets) == 1):
                continue
            target = statement.targets[0]
            if not isinstance(target, ast.Name) or target.id not in ("revision", "down_revision"):
                continue
            value = ast.literal_eval(statement.value)
            if target.id == "revision":
                revisions.add(value)
            elif isinstance(value, str):
                revised.add(value)
            elif value is not None:
                return None
    heads = revisions - revised
    return heads.pop() if len(heads) == 1 else None


class Database:
    """One database: opened (and migrated to the newest schema) once per process."""

    def __init__(self, url: str, *, migrate: bool = True) -> None:
        self.url = url
        self.engine = create_database_engine(url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        if migrate:
            self.migrate()

    def migrate(self) -> None:
        """Bring the schema to the newest migration (a no-op when it is there already).

        Alembic is imported only when there is something to upgrade: the check reads the migration files' revision
        ids and the database's ``alembic_version`` row, which keeps Alembic's import (over half a second) out of
        every start on an up-to-date database (``seglab serve``'s time to ``/healthz``, every CLI command)."""
        head = _file_head_revision()
        if head is None or self.current_revision() != head:
            from alembic import command

            command.upgrade(_alembic_config(self.engine), "head")

    def head_revision(self) -> str | None:
        """The newest migration's revision, as Alembic reads it from the migration scripts."""
        from alembic.script import ScriptDirectory

        return ScriptDirectory.from_config(_alembic_config(self.engine)).get_current_head()

    def current_revision(self) -> str | None:
        """The revision the database is at (Alembic's ``alembic_version`` table); None before the first migration."""
        with self.engine.connect() as connection:
            if not inspect(connection).has_table("alembic_version"):
                return None
            return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session whose work is committed when the block ends, and rolled back if it raises."""
        with self._sessions() as session, session.begin():
            yield session

    def dispose(self) -> None:
        self.engine.dispose()
