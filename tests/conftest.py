"""Shared fixtures. Every test gets its own SEGLAB_HOME so nothing touches the user's ~/.seglab.

- ``seglab_home`` (autouse): the test's SEGLAB_HOME, holding a copy of a database that Alembic migrated once per
  test worker (running every migration per test cost more than most tests). A test about what a new home gets
  (creating the database, its migrations, file modes, leaving no home behind) is marked ``new_home`` and starts
  with no home at all.
- ``ws``: a :class:`~seglab.store.Workspace` on that home; ``project``: ``ws`` holding the small test dataset as
  project ``pets``; ``coco_export``: that dataset as a COCO export.
- ``fake_training`` (yields the model name ``fake-seg``) and ``fake_training_env`` (a subprocess's environment): a
  FAKE training backend (tests/plugins/fake_training.py) for tests of the job plumbing around training (queue,
  progress, cancel, models list, the pages showing jobs); real training only where training is the subject.
- ``postgres`` (a PostgreSQL server started by the tests, see tests/postgres.py; once per test worker, when a test
  first needs it) and the marker ``both_databases``: a test (or module, ``pytestmark``) so marked runs twice, as
  ``[sqlite]`` and as ``[postgresql]``; the second's ``seglab_home`` points ``SEGLAB_DATABASE_URL`` at a database
  of its own on that server (a copy of a migrated template), which the test's workspace, in-process app and any
  ``seglab`` subprocess it starts then use. Without PostgreSQL installed the ``[postgresql]`` variants skip.
- ``shared_server``: one ``seglab serve`` (no background worker) per test worker, on a home of its own, shared by
  every test that asks for it (a server per test costs seconds of CPU). Such a test keeps to its own projects,
  named with ``unique_name``, and assumes nothing about what other tests put there. ``live_server`` (in
  tests/server/conftest.py) is the server on the test's own home, for tests that prepare that home themselves.
- ``trained`` (a tiny model trained once per session), ``deployed`` (its home as the test's) and ``served`` (a
  ``seglab serve`` on it): tests/trained_model.py, for the deployment tests and any other test needing a trained model.
"""

from __future__ import annotations

import contextlib
import gc
import itertools
import json
import os
import shutil
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from seglab.core import Split
from seglab.store import Workspace

from .postgres import PostgresNotInstalledError, PostgresServer, running_postgres
from .route_preparation import shared_route_preparation
from .trained_model import deployed, served, trained  # noqa: F401  (one definition: one training per session)

_SESSION_ENVIRONMENT = dict(os.environ)
"""The environment before any test changed it: what ``shared_server`` starts with, whichever test starts it."""

_DATASET_FOLDERS = [
    Path(os.environ.get("SEGLAB_SHARED_DATASETS", "/nonexistent")),
    Path(__file__).resolve().parents[2] / "shared" / "datasets",  # ../shared/datasets beside the checkout
    Path("/work/shared/datasets"),
]
SHARED_DATASETS = next((folder for folder in _DATASET_FOLDERS if folder.is_dir()), _DATASET_FOLDERS[1])

_BROWSER_FIXTURES = {"page"}
"""Fixtures that start Chromium: a test using one is marked ``browser``."""
_TRAINING_FIXTURES = {"trained", "deployed", "served"}
"""Fixtures that train a model for real (or need the session's trained one): a test using one is ``training``."""


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the xdist_group markers
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark tests by what they use, so ``make test-fast`` (``-m "not browser and not training"``) leaves out every
    test that drives Chromium or trains, including tests written later, without anyone remembering a marker. A test
    using the session's trained model (``trained``, tests/trained_model.py) joins the ``deploy`` group, so the one
    worker that trains it runs them all (ungrouped, it cost a second worker the whole training). A test that chose
    a database ``SEGLAB_TEST_DATABASES`` leaves out (PostgreSQL's row locks, in an SQLite-only run) is deselected:
    it would start that database's server for itself."""
    elsewhere = [item for item in items if _database_of(item) not in (None, *DATABASES)]
    if elsewhere:
        config.hook.pytest_deselected(items=elsewhere)
        items[:] = [item for item in items if item not in elsewhere]
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        if fixtures & _BROWSER_FIXTURES:
            item.add_marker(pytest.mark.browser)
        if fixtures & _TRAINING_FIXTURES:
            item.add_marker(pytest.mark.training)
        if "trained" in fixtures and not item.get_closest_marker("xdist_group"):
            item.add_marker(pytest.mark.xdist_group("deploy"))


def _database_of(item: pytest.Item) -> str | None:
    """The ``database`` parameter a test was collected with, if any."""
    callspec = getattr(item, "callspec", None)
    return callspec.params.get("database") if callspec is not None else None


@pytest.hookimpl(trylast=True)
def pytest_collection_finish(session: pytest.Session) -> None:
    """Under ``--dist loadgroup`` pytest-xdist suffixes a grouped test's id with its group; a pytest it does not know
    how to do that for (pytest 9 with xdist 3.8) silently spreads a group over every worker, each then building the
    group's expensive session fixture (a trained model: minutes). Fail the run instead.

    Then what the imports and the collection made (about a million objects: numpy, torch, onnx, the test modules)
    is frozen out of the garbage collector's reach: it lives as long as the process, and each full collection
    walked all of it again (0.6 s each, about 15 times in a worker's run)."""
    gc.freeze()
    if not getattr(session.config.option, "loadgroup", False):  # set in xdist workers under --dist loadgroup
        return
    for item in session.items:
        if item.get_closest_marker("xdist_group") and "@" not in item.nodeid:
            raise pytest.UsageError(f"--dist loadgroup is not grouping {item.nodeid}: check the pytest-xdist version")


DATABASES = tuple(os.environ.get("SEGLAB_TEST_DATABASES", "sqlite,postgresql").split(","))
"""The databases a ``both_databases`` test runs on; ``make test-fast`` keeps to SQLite (``SEGLAB_TEST_DATABASES``)."""


TESTS = Path(__file__).resolve().parent
BOTH_DATABASES_FOLDERS = ("store", "services", "server")
"""The layers that talk to the database: every test in these folders of ``tests/`` runs on both databases."""


def _on_both_databases(definition: pytest.Function) -> bool:
    if definition.get_closest_marker("sqlite_only") is not None:
        return False
    if any("database" in str(mark.args[0]) for mark in definition.iter_markers("parametrize")):
        return False  # the test chose its database itself
    if definition.get_closest_marker("both_databases") is not None:
        return True
    return definition.path.parent.name in BOTH_DATABASES_FOLDERS and definition.path.resolve().parent.parent == TESTS


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """A test of the store, services or server (or one marked ``both_databases`` elsewhere) runs once per database
    (the ``database`` fixture's parameter), unless marked ``sqlite_only``. ``SEGLAB_TEST_DATABASE=postgresql`` makes
    PostgreSQL the other tests' database too."""
    if _on_both_databases(metafunc.definition):
        metafunc.parametrize("database", DATABASES, indirect=True)


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """A PostgreSQL server for this test worker, with a migrated template database (tests/postgres.py)."""
    try:
        with running_postgres() as server:
            yield server
    except PostgresNotInstalledError as missing:
        pytest.skip(str(missing))


@pytest.fixture
def _postgres_database(postgres: PostgresServer) -> Iterator[str]:
    """A fresh migrated database on the worker's PostgreSQL for one test (``seglab_home`` asks for it), dropped
    after the test."""
    url = postgres.create_database()
    yield url
    postgres.drop_database(url)


@pytest.fixture
def database(request: pytest.FixtureRequest) -> str:
    """The database the test runs on: ``sqlite``, or for a ``both_databases`` test also ``postgresql`` (its
    parameter); ``seglab_home`` (which asks for it, so every test has it) sets it up."""
    return str(getattr(request, "param", os.environ.get("SEGLAB_TEST_DATABASE", "sqlite")))


@pytest.fixture(scope="session")
def migrated_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite database brought to the newest schema by Alembic, once per test worker: ``seglab_home`` copies it.

    A copy is the database a new home would get (the same migrations made it), at a fraction of the cost of
    running them again: tests that open a workspace, start a server or run a command skip the migrations (and
    the import of Alembic)."""
    from seglab.store import Database

    path = tmp_path_factory.mktemp("migrated") / "seglab.db"
    Database(f"sqlite:///{path}").dispose()  # the last connection's close checkpoints the WAL into the file
    assert not path.with_name("seglab.db-wal").exists()
    return path


@pytest.fixture(autouse=True)
def seglab_home(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    monkeypatch: pytest.MonkeyPatch,
    migrated_database: Path,
    database: str,
) -> Path:
    # beside the test's tmp_path, not in it: tests check what their own code leaves in tmp_path
    home = tmp_path_factory.mktemp("home") / "seglab-home"
    on_postgres = database == "postgresql"
    if request.node.get_closest_marker("new_home") is None:
        home.mkdir(mode=0o700)
        if not on_postgres:
            shutil.copyfile(migrated_database, home / "seglab.db")
            (home / "seglab.db").chmod(0o600)
    monkeypatch.setenv("SEGLAB_HOME", str(home))
    for variable in ("SEGLAB_DATABASE_URL", "SEGLAB_BLOB_URL", "SEGLAB_HOST", "SEGLAB_PORT"):
        monkeypatch.delenv(variable, raising=False)
    if on_postgres:
        monkeypatch.setenv("SEGLAB_DATABASE_URL", request.getfixturevalue("_postgres_database"))
    monkeypatch.setenv("SEGLAB_WORKERS", "0")  # tests that need background workers start them explicitly
    # pytest-xdist runs two tests at once on two cores: one thread per training process avoids
    # oversubscribing them (OpenMP threads spinning against each other slow training several-fold)
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    # versions render in the test's process: a pool of spawned renderers costs seconds of imports per version, and
    # xdist already keeps both cores busy (tests/versions/test_build.py tests the pool with workers=2 itself)
    monkeypatch.setenv("SEGLAB_RENDER_WORKERS", "1")
    # exporting SAM 2.1's image encoder to ONNX costs a minute of CPU per model: tests loading a SAM 2.1 checkpoint
    # keep PyTorch's, and tests/assist/test_onnx_encoder.py turns the export on
    monkeypatch.setenv("SEGLAB_SAM_ENCODER", "torch")
    return home


@pytest.fixture(scope="session", autouse=True)
def _cheap_password_hashes() -> Iterator[None]:
    """Passwords and API keys hashed in this process with argon2id at its lowest cost (as Django's test settings
    swap in a fast hasher): the recommended parameters cost about 0.25 s of CPU per hash or check, and the account
    tests hash hundreds. The hashes are still argon2id, checked by the same code; a stored hash names its own
    parameters, so a ``seglab`` subprocess (recommended cost) verifies them too."""
    from pwdlib import PasswordHash
    from pwdlib.hashers.argon2 import Argon2Hasher

    from seglab.services import accounts

    cheap = PasswordHash((Argon2Hasher(time_cost=1, memory_cost=1024, parallelism=1),))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(accounts, "_hasher", lambda: cheap)
        yield


@pytest.fixture(scope="session", autouse=True)
def _routes_prepared_once() -> Iterator[None]:
    """FastAPI prepares a route (its validators) once per test process, not once per app: tests/route_preparation.py."""
    with shared_route_preparation():
        yield


@pytest.fixture
def fake_training() -> Iterator[str]:
    """The FAKE training backend registered in this test's process (as an installed plugin would be); yields its
    model name. Training jobs run in this process (``run_job``) then train it in a moment."""
    from seglab.plugins import plugin_manager

    from .plugins import fake_training as plugin

    manager = plugin_manager()
    manager.register(plugin, name="tests.fake_training")
    yield plugin.ARCHITECTURE
    manager.unregister(name="tests.fake_training")


@pytest.fixture(scope="session")
def fake_training_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Environment for a ``seglab`` subprocess (``running_server(log, **fake_training_env)``) that finds the FAKE
    training backend as an installed plugin: a folder on its PYTHONPATH holding the module and the ``*.dist-info``
    (entry point group ``seglab``) that ``pip install`` would leave."""
    site = tmp_path_factory.mktemp("fake-training-site")
    shutil.copyfile(Path(__file__).with_name("plugins") / "fake_training.py", site / "seglab_fake_training.py")
    info = site / "seglab_fake_training-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: seglab-fake-training\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[seglab]\nfake_training = seglab_fake_training\n")
    return {"PYTHONPATH": os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")])}


@pytest.fixture
def ws(seglab_home: Path) -> Iterator[Workspace]:
    """A workspace on a real SQLite file and blob folder under the test's SEGLAB_HOME."""
    workspace = Workspace()
    yield workspace
    workspace.close()


@pytest.fixture
def coco_export(tmp_path: Path) -> Path:
    """The small test dataset (polygons, a two-part instance, a hole, a crowd) as a Roboflow COCO export."""
    from seglab.formats import save_dataset

    from .formats.conftest import build_dataset

    save_dataset(
        build_dataset(tmp_path / "src", (Split.TRAIN, Split.VALID, Split.TEST)), tmp_path / "coco", format="coco"
    )
    return tmp_path / "coco"


@pytest.fixture
def project(ws: Workspace, coco_export: Path) -> str:
    """A project named ``pets`` holding the small test dataset."""
    from seglab.services import transfer

    transfer.import_dataset(ws, coco_export, "pets", create_project=True)
    return "pets"


_CORPUS_FIGURES: dict[str, Counter[str]] = {}
"""Cases of the hostile-input corpus (tests/corpus) by entry point and outcome, reported by its tests."""
_CORPUS_NOTES: dict[str, dict[str, object]] = {}
_FIVES = tuple(f": {status}" for status in range(500, 600))


_FIGURES: list[str] = []
"""Lines a test reports with ``record_property("figures", line)`` (the fault suite's), printed at the end of the run:
a test's own output stays in its worker under xdist."""


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    for name, value in report.user_properties:
        if name == "figures" and report.when == "call":
            _FIGURES.append(str(value))
        if name == "corpus" and report.when == "call":
            figures = json.loads(str(value))
            _CORPUS_FIGURES.setdefault(figures["entry"], Counter()).update(figures["outcomes"])
            _CORPUS_NOTES.setdefault(figures["entry"], {}).update(figures.get("notes", {}))


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish() -> None:
    """Freeze what is left too: pytest collects the garbage five times at exit to report exceptions raised while it
    is freed, and over this heap that took each worker 8 s after its last test."""
    gc.freeze()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """The corpus's figures at the end of the run: cases tried per entry point, refused (4xx or a located CLI
    error), accepted where that is right, and 500s/tracebacks (which fail the tests); then other tests' figures."""
    if _FIGURES:
        terminalreporter.write_sep("-", "figures")
        for line in _FIGURES:
            terminalreporter.write_line(line)
    if not _CORPUS_FIGURES:
        return
    terminalreporter.write_sep("-", "hostile-input corpus")
    for entry, outcomes in sorted(_CORPUS_FIGURES.items()):
        shown = ", ".join(f"{outcome} {count}" for outcome, count in sorted(outcomes.items()))
        notes = "".join(f"; {name} {value}" for name, value in _CORPUS_NOTES.get(entry, {}).items())
        broken = sum(count for outcome, count in outcomes.items() if outcome.endswith(("traceback", *_FIVES)))
        total = sum(outcomes.values())
        terminalreporter.write_line(f"{entry}: {total} cases: {shown}; 5xx/tracebacks: {broken}{notes}")


@pytest.fixture
def shared_server(request: pytest.FixtureRequest, database: str) -> str:
    """One ``seglab serve`` (no background worker) per test worker, started by the first test that asks for it and
    kept for the others: starting a server per test costs seconds of CPU each. Its home is its own, not the test's
    ``seglab_home``; tests name what they create with ``unique_name``. A ``both_databases`` test's ``[postgresql]``
    variant gets a second such server, on a database of the test worker's PostgreSQL server."""
    return str(request.getfixturevalue(f"_shared_{database}_server"))


def _shared_server(folder: Path, **env: str) -> contextlib.AbstractContextManager[str]:
    from .server.conftest import running_server

    environment = {**_SESSION_ENVIRONMENT, "SEGLAB_HOME": str(folder / "home"), "SEGLAB_WORKERS": "0"}
    for variable in ("SEGLAB_DATABASE_URL", "SEGLAB_BLOB_URL", "SEGLAB_HOST", "SEGLAB_PORT"):
        environment.pop(variable, None)
    # not the environment of the test that happens to start it (a test may set variables for its own server)
    return running_server(folder / "serve.log", base=environment, OMP_NUM_THREADS="1", **env)


@pytest.fixture(scope="session")
def _shared_sqlite_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with _shared_server(tmp_path_factory.mktemp("shared-server")) as url:
        yield url


@pytest.fixture(scope="session")
def _shared_postgresql_server(tmp_path_factory: pytest.TempPathFactory, postgres: PostgresServer) -> Iterator[str]:
    url = postgres.create_database("shared")
    with _shared_server(tmp_path_factory.mktemp("shared-server-pg"), SEGLAB_DATABASE_URL=url) as server:
        yield server


_names = itertools.count(1)


@pytest.fixture
def unique_name(request: pytest.FixtureRequest) -> str:
    """A project name no other test in this session uses (the test's name and a counter): for ``shared_server``."""
    stem = "".join(c if c.isalnum() else "-" for c in request.node.name.removeprefix("test_"))[:40].strip("-")
    return f"{stem}-{next(_names)}"
