"""Every dataset and archive of the corpus through ``seglab import --strict`` and ``seglab inspect``, in process
(typer's runner invokes the real command group, the same code as the console script): each refusal is one line
naming the file, exit status 1, no traceback, and no image row or blob stored; an input whose problems can be
repaired or skipped (``inspect``) succeeds and names the file of each problem."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from typer.testing import CliRunner

from seglab.cli.main import app

from .conftest import SCRAMBLED_TIFF, may_be_accepted, record_figures, stored
from .generate import Case

pytestmark = [SCRAMBLED_TIFF, pytest.mark.slow]


def _located(case: Case, text: str) -> bool:
    """Whether ``text`` names the case's input: the archive, the dataset folder or one of its files."""
    names = {case.path.stem, case.path.name} | {p.name for p in case.path.rglob("*")} if case.path.is_dir() else set()
    return any(name in text for name in names | {case.path.stem, case.path.name})


def _problem(case: Case, command: str, outcome: str, detail: str) -> str:
    return f"{command} {case.name} ({case.why}): {outcome}: {detail[-600:]}"


def _refusal(case: Case, command: str, result) -> str | None:
    """What is wrong with a failed run, or ``None`` when it failed as it should."""
    if not isinstance(result.exception, SystemExit):
        return _problem(case, command, "traceback", repr(result.exception))
    lines = result.stderr.strip().splitlines()
    if result.exit_code != 1 or len(lines) != 1 or not lines[0].startswith("error: "):
        return _problem(case, command, f"exit {result.exit_code}, {len(lines)} lines", result.stderr)
    if not _located(case, lines[0]):
        return _problem(case, command, "error does not name the file", lines[0])
    return None


@pytest.mark.parametrize("family", ["coco", "other"])
def test_every_case_through_import_and_inspect(family, corpus, seglab_home: Path, record_property):
    """Two halves (COCO datasets, the rest), which xdist runs side by side."""
    runner = CliRunner()
    failures: list[str] = []
    outcomes = Counter[str]()
    cases = [c for c in corpus if c.kind in ("dataset", "archive") and c.name.startswith("coco-") == (family == "coco")]
    for case in cases:
        before = stored(seglab_home) if (seglab_home / "seglab.db").exists() else (0, 0)
        project = f"p-{case.name}"
        imported = runner.invoke(app, ["import", str(case.path), "--project", project, "--create", "--strict"])
        if imported.exit_code == 0:
            outcomes["import: accepted"] += 1
            if case.name.startswith("coco-image-") and not may_be_accepted(case):  # a broken image: never stored
                failures.append(_problem(case, "import --strict", "stored", imported.stdout))
        else:
            traceback = not isinstance(imported.exception, SystemExit)
            outcomes["import: traceback" if traceback else "import: refused"] += 1
            failures.append(_refusal(case, "import", imported) or "")
            if stored(seglab_home) != before:
                failures.append(_problem(case, "import", "partly written", f"{before} -> {stored(seglab_home)}"))
        inspected = runner.invoke(app, ["inspect", str(case.path), "--json"])
        if inspected.exit_code == 0:
            outcomes["inspect: read, problems located"] += 1
            problems = json.loads(inspected.stdout)["problems"]
            unlocated = [p for p in problems if not _located(case, p["file"])]
            if unlocated:
                failures.append(_problem(case, "inspect", "problem without its file", json.dumps(unlocated[0])))
        elif not isinstance(inspected.exception, SystemExit):
            outcomes["inspect: traceback"] += 1
            failures.append(_problem(case, "inspect", "traceback", repr(inspected.exception)))
        else:
            outcomes["inspect: refused"] += 1
            body = json.loads(inspected.stdout)["error"]
            if not _located(case, body["message"]) or inspected.exit_code != 1:
                failures.append(_problem(case, "inspect", "refusal does not name the file", body["message"]))
    record_figures(record_property, "cli", outcomes)
    failures = [f for f in failures if f]
    assert not failures, "\n".join(failures)
