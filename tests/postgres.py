"""A real PostgreSQL server started from Debian's binaries (``initdb`` + ``pg_ctl``) in a temporary folder, for the
tests (tests/conftest.py's ``postgres`` fixtures) and for benchmarks/pg_concurrency.py.

The server listens on a Unix socket in its own folder only (no TCP port to collide with another test worker's
server), trusts local connections (nobody else can reach the socket) and runs without fsync: its data is thrown
away at the end. PostgreSQL refuses to run as root, and CI runs as root: there the server runs as ``nobody``,
in a folder ``nobody`` owns.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

USER = "seglab"
"""The database superuser the tests connect as (``initdb -U``; trusted on the socket, no password)."""
TEMPLATE = "seglab_template"
"""The database migrated once per server: every test database is a copy of it (``CREATE DATABASE ... TEMPLATE``)."""
_UNPRIVILEGED = "nobody"


class PostgresNotInstalledError(RuntimeError):
    """No PostgreSQL binaries on this machine: the tests that need them skip."""


def binaries() -> Path | None:
    """The folder holding ``initdb``, ``pg_ctl`` and ``postgres``: on PATH, or where Debian's ``postgresql`` package
    puts them (/usr/lib/postgresql/VERSION/bin, not on PATH); None when PostgreSQL is not installed."""
    found = shutil.which("initdb")
    candidates = [Path(found).resolve().parent] if found else []
    candidates += sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
    return next((folder for folder in candidates if (folder / "pg_ctl").exists()), None)


class PostgresServer:
    """One running PostgreSQL server; :meth:`create_database` hands out fresh migrated databases."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.socket_dir = folder  # the socket file is .s.PGSQL.5432 in here
        self._names = itertools.count(1)

    def url(self, database: str) -> str:
        """The SQLAlchemy URL of ``database`` on this server (psycopg 3, over the Unix socket)."""
        return f"postgresql+psycopg://{USER}@/{database}?host={self.socket_dir}"

    def execute(self, *statements: str) -> None:
        """Run statements outside a transaction (``CREATE DATABASE`` cannot run in one), on the ``postgres``
        database."""
        import psycopg

        with psycopg.connect(host=str(self.socket_dir), user=USER, dbname="postgres", autocommit=True) as connection:
            for statement in statements:
                connection.execute(statement)  # type: ignore[arg-type]

    def migrate_template(self) -> None:
        """Create :data:`TEMPLATE` and run every Alembic migration on it once."""
        from seglab.store import Database

        self.execute(f"CREATE DATABASE {TEMPLATE}")
        Database(self.url(TEMPLATE)).dispose()  # no connection may stay open on a template being copied

    def create_database(self, prefix: str = "test") -> str:
        """A new database holding the newest schema (a copy of the migrated template: milliseconds, not the
        seconds the migrations take); returns its URL."""
        name = f"{prefix}_{os.getpid()}_{next(self._names)}"
        # FILE_COPY copies the template's few files whole (its checkpoint is cheap without fsync), where the default
        # WAL_LOG writes every block to the write-ahead log: the faster of the two for a small template
        self.execute(f"CREATE DATABASE {name} TEMPLATE {TEMPLATE} STRATEGY FILE_COPY")
        return self.url(name)

    def drop_database(self, url: str) -> None:
        """Drop a database made by :meth:`create_database` (closing any connection a test left open): each holds
        megabytes of files, hundreds of tests' worth would fill the disk and take minutes to remove at the end."""
        from sqlalchemy.engine import make_url

        self.execute(f"DROP DATABASE IF EXISTS {make_url(url).database} WITH (FORCE)")

    def create_empty_database(self, prefix: str = "empty") -> str:
        """A new database with no tables (for the migration tests); returns its URL."""
        name = f"{prefix}_{os.getpid()}_{next(self._names)}"
        self.execute(f"CREATE DATABASE {name}")
        return self.url(name)


def _as_server_user(command: list[str]) -> list[str]:
    """``command`` run as an unprivileged user when this process is root (PostgreSQL refuses to run as root)."""
    if os.geteuid() != 0:
        return command
    return ["runuser", "-u", _UNPRIVILEGED, "--", *command]


@contextlib.contextmanager
def running_postgres(*, migrate: bool = True) -> Iterator[PostgresServer]:
    """Start a PostgreSQL server in a new temporary folder, yield it, then stop it and remove the folder.

    Raises :class:`PostgresNotInstalledError` when PostgreSQL is not installed (the tests skip on it)."""
    folder_of_binaries = binaries()
    if folder_of_binaries is None:
        raise PostgresNotInstalledError(
            "PostgreSQL is not installed (no initdb on PATH or in /usr/lib/postgresql/*/bin): "
            "apt-get install postgresql"
        )
    # not under pytest's tmp_path: its parents are root's and closed to the unprivileged server user
    folder = Path(tempfile.mkdtemp(prefix="seglab-pg-"))
    data = folder / "data"
    log = folder / "server.log"
    if os.geteuid() == 0:
        shutil.chown(folder, _UNPRIVILEGED)
    try:
        initdb = [str(folder_of_binaries / "initdb"), "-D", str(data), "-U", USER, "--auth=trust"]
        subprocess.run(
            _as_server_user([*initdb, "-E", "UTF8", "--locale=C", "--no-sync"]),
            check=True,
            capture_output=True,
        )
        options = " ".join(
            [
                "-c listen_addresses=''",
                f"-c unix_socket_directories={folder}",
                "-c fsync=off -c synchronous_commit=off -c full_page_writes=off",  # throwaway data
                "-c max_connections=300",  # servers, worker threads and pools of several tests at once
            ]
        )
        started = subprocess.run(
            _as_server_user(
                [str(folder_of_binaries / "pg_ctl"), "-D", str(data), "-l", str(log), "-o", options, "-w", "start"]
            ),
            capture_output=True,
            text=True,
        )
        if started.returncode != 0:
            raise RuntimeError(f"PostgreSQL did not start: {started.stderr}\n{_tail(log)}")
        try:
            server = PostgresServer(folder)
            if migrate:
                server.migrate_template()
            yield server
        finally:
            subprocess.run(
                _as_server_user([str(folder_of_binaries / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]),
                capture_output=True,
            )
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _tail(log: Path) -> str:
    try:
        return log.read_text(errors="replace")[-3000:]
    except OSError:
        return ""
