"""Benchmark: a long fuzzing run of the dataset readers and the geometry (the properties of tests/fuzz, which
``make test`` runs with a few examples each) with many more examples and a fresh seed.

Prints one JSON object: examples run per property, the seed, the failures (test and the first line of why) and
``passed`` (no failure). A failure's report shows the example Hypothesis drew; rerun it with the printed seed.

    .venv/bin/python benchmarks/fuzz_readers.py [--examples 2000] [--seed N]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


class _Failures:
    """A pytest plugin keeping each failed test's name and the last line of its report."""

    def __init__(self) -> None:
        self.failed: list[dict[str, str]] = []

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.failed:
            lines = str(report.longrepr).strip().splitlines()
            self.failed.append({"test": report.nodeid, "why": lines[-1] if lines else ""})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--examples", type=int, default=2000, help="examples per property")
    parser.add_argument("--seed", type=int, default=None, help="Hypothesis seed (default: a new one)")
    args = parser.parse_args()
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(2**32)
    os.environ["SEGLAB_FUZZ_EXAMPLES"] = str(args.examples)
    os.environ["SEGLAB_FUZZ_SEED"] = str(seed)  # also turns off the derandomised profile of `make test`
    os.chdir(ROOT)
    sys.path.insert(0, str(ROOT))
    failures = _Failures()
    started = time.perf_counter()
    pytest.main(
        ["tests/fuzz", "-q", "-p", "no:cacheprovider", "-n", "0", f"--hypothesis-seed={seed}", "--no-header"],
        plugins=[failures],
    )
    from tests.fuzz import EXAMPLES

    result = {
        "seed": seed,
        "examples_per_property": args.examples,
        "examples_run": dict(EXAMPLES),
        "examples_total": sum(EXAMPLES.values()),
        "seconds": round(time.perf_counter() - started, 1),
        "failures": failures.failed,
        "passed": not failures.failed,
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
