"""Benchmark: how fast seglab starts, beside ``python -c pass`` measured in the same run.

Measures, each as the median of ``--runs`` fresh processes:

- ``python -c pass`` (the reference: the interpreter's own start-up on this machine, now);
- ``import seglab``, ``import seglab.cli`` and ``import seglab.server.app``: wall time, peak RSS, and whether
  torch was imported (it must not be: every command and every test subprocess would pay its seconds);
- ``seglab --version``: wall time and peak RSS (target: at most 0.3 s);
- ``seglab serve``: from launch to the first healthy ``GET /healthz``, on a home whose database is at the newest
  migration (every start but the first; target: at most 2 s), and on a new home (the first start, which also
  creates the database and runs every migration); beside it, ``until_readiness_s``: to the first ``GET /readiness``,
  which answers once the routes installed after the start are all there.

Wall times include the interpreter's start, so ``over_reference_s`` (the time minus the reference's) is what
seglab itself adds. CPU seconds (user + system) are given beside wall time: on a busy machine they vary less.
Prints one JSON object.

    .venv/bin/python benchmarks/startup.py [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import psutil

from _serving import free_port

VERSION_TARGET_S = 0.3
HEALTHZ_TARGET_S = 2.0
# Run in each measured process as it exits: its own peak RSS (VmHWM; ``wait4``'s figure would include the
# benchmark's own memory, inherited through fork) and whether torch was imported.
_PROBE = """
import atexit, sys
def _report():
    peak = next(line for line in open('/proc/self/status') if line.startswith('VmHWM'))
    sys.stderr.write(f"{int(peak.split()[1]) / 1024} {'torch' in sys.modules}")
atexit.register(_report)
"""


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _timed(code: str, env: dict[str, str]) -> tuple[float, float, float, bool]:
    """Wall seconds, CPU seconds, peak RSS in MB and whether torch was imported, for one ``python -c code``."""
    cpu, start = _children_cpu(), time.perf_counter()
    done = subprocess.run([sys.executable, "-c", _PROBE + code], capture_output=True, env=env, check=False)
    seconds, cpu = time.perf_counter() - start, _children_cpu() - cpu
    if done.returncode != 0:
        raise SystemExit(f"{code} failed:\n{done.stderr.decode()}")
    peak, torch = done.stderr.decode().split()[-2:]
    return seconds, cpu, float(peak), torch == "True"


def _measure(code: str, env: dict[str, str], runs: int) -> dict[str, float | bool]:
    samples = [_timed(code, env) for _ in range(runs)]
    return {
        "seconds": round(statistics.median(sample[0] for sample in samples), 4),
        "cpu_s": round(statistics.median(sample[1] for sample in samples), 4),
        "peak_rss_mb": round(statistics.median(sample[2] for sample in samples), 1),
        "imports_torch": any(sample[3] for sample in samples),
    }


def _until_healthy(env: dict[str, str], log: Path) -> tuple[float, float, float]:
    """Seconds from launching ``seglab serve`` to its first 200 on ``/healthz``, the CPU seconds it had used then,
    and the seconds to its first 200 on ``/readiness`` (every route installed: they are installed after the start,
    see ``seglab.server.deferred``)."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with log.open("wb") as output:
        start = time.perf_counter()
        process = subprocess.Popen(
            [sys.executable, "-m", "seglab", "serve", "--port", str(port)], stdout=output, stderr=output, env=env
        )
        try:
            seconds, cpu = _first_ok(f"{url}/healthz", process, start, log)
            ready, _ = _first_ok(f"{url}/readiness", process, start, log)
            return seconds, cpu, ready
        finally:
            process.terminate()
            process.wait(timeout=30)


def _first_ok(url: str, process: subprocess.Popen[bytes], start: float, log: Path) -> tuple[float, float]:
    """Seconds from ``start`` to the first 200 from ``url``, and the CPU seconds ``process`` had used then."""
    while True:
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                seconds = time.perf_counter() - start
                times = psutil.Process(process.pid).cpu_times()
                return seconds, times.user + times.system
        except httpx.TransportError:
            pass
        if process.poll() is not None or time.perf_counter() - start > 600:
            raise SystemExit(f"seglab serve did not come up:\n{log.read_text()}")
        time.sleep(0.01)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="processes per measurement (the median is reported)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="seglab-startup-") as folder:
        env = {**os.environ, "SEGLAB_HOME": str(Path(folder) / "home"), "SEGLAB_WORKERS": "0"}
        reference = _measure("pass", env, args.runs)
        measured: dict[str, dict[str, float | bool]] = {}
        for module in ("seglab", "seglab.cli", "seglab.server.app"):
            measured[f"import {module}"] = _measure(f"import {module}", env, args.runs)
        version = "import runpy; sys.argv = ['seglab', '--version']; runpy.run_module('seglab', run_name='__main__')"
        measured["seglab --version"] = _measure(version, env, args.runs)  # as `python -m seglab --version`
        serves = max(1, args.runs // 2)
        fresh = [
            _until_healthy({**env, "SEGLAB_HOME": str(Path(folder) / f"new{run}")}, Path(folder) / f"new{run}.log")
            for run in range(serves)
        ]
        # the first start on this home migrates its new database: the starts after it are the at-head case
        at_head = [_until_healthy(env, Path(folder) / f"serve{run}.log") for run in range(serves + 1)][1:]
        for name, healthy in (
            ("seglab serve until /healthz", at_head),
            ("seglab serve until /healthz, new home", fresh),
        ):
            measured[name] = {
                "seconds": round(statistics.median(seconds for seconds, _, _ in healthy), 4),
                "cpu_s": round(statistics.median(cpu for _, cpu, _ in healthy), 4),
                "until_readiness_s": round(statistics.median(ready for _, _, ready in healthy), 4),
            }
    for values in measured.values():
        values["over_reference_s"] = round(values["seconds"] - reference["seconds"], 4)
        values["cpu_over_reference_s"] = round(values["cpu_s"] - reference["cpu_s"], 4)
    version_s = measured["seglab --version"]["seconds"]
    healthz_s = measured["seglab serve until /healthz"]["seconds"]
    targets = {
        "version_at_most_s": VERSION_TARGET_S,
        "version_ok": version_s <= VERSION_TARGET_S,
        "healthz_at_most_s": HEALTHZ_TARGET_S,
        "healthz_ok": healthz_s <= HEALTHZ_TARGET_S,
        "no_torch": not any(values.get("imports_torch") for values in measured.values()),
    }
    print(json.dumps({"reference: python -c pass": reference, **measured, "targets": targets}, indent=2))


if __name__ == "__main__":
    main()
