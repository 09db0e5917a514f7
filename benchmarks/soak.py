"""Benchmark: a soak test. ``--clients`` concurrent clients (default 20, in turn: inference, uploads, annotation
edits) against one ``seglab serve`` on loopback for ``--duration`` seconds (default 300).

The server runs a real ONNX model through ONNX Runtime (tests/tiny_model.py: RF-DETR-Seg's inputs and outputs,
registered without training, so the run measures serving rather than a network). Inference clients send a JPEG
as base64; upload clients upload a new PNG each time (new bytes, new blob); edit clients create, reshape and delete
an annotation on an uploaded image, each edit on the revision the last one returned.

The server runs with one background worker (``--workers``), as ``seglab serve`` does by default; its RSS counts.

Phases: the workers' start-up (until their RSS stops changing: they import their job handlers), a warm-up
(``--warmup`` seconds of the same load) and then ``--duration`` seconds of measured load. The RSS of
the server and of every process under it is sampled every ``--sample-every`` seconds from the end of the warm-up
(t = 0, the baseline) to the end (the last sample).

Prints one JSON object: requests and errors per route (errors: any answer but the expected 2xx, or no answer),
p50/p95 latency per route in milliseconds, the RSS series (server, children, total, in MB), the growth from the
baseline to the end (of the total; of the server alone) and over the second half, and ``passed``: no errors, no
traceback in the server's log, and the end RSS within 10% of the baseline.

    .venv/bin/python benchmarks/soak.py [--duration 300] [--clients 20] [--warmup 30] [--sample-every 15]
"""

from __future__ import annotations

import argparse
import base64
import io
import json
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

import httpx
import numpy as np
import psutil
from PIL import Image

from _serving import free_port, seglab_server

ROOT = Path(__file__).resolve().parents[1]
RSS_TOLERANCE = 0.10
ROLES = ("inference", "upload", "edit")
WARMUP_SECONDS = 30.0
"""Long enough for what the server fills once under this concurrency and then reuses: the request threads (the
thread pool grows to the concurrent requests), the database connections of the pool and their page caches, ONNX
Runtime's arena at the largest batch the inference clients make up, the model loaded. A run with a 3 s warm-up grew
11 MB in its first 20 s of load (168.8 to 179.5 MB) and far less after; this phase takes that step out of the
comparison, and the series shows what follows."""


def _image_bytes(rng: np.random.Generator, fmt: str, size: tuple[int, int] = (320, 240)) -> bytes:
    pixels = rng.integers(0, 255, (size[1], size[0], 3), dtype=np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format=fmt)
    return buffer.getvalue()


def _server_process(port: int) -> psutil.Process:
    for process in psutil.process_iter(["cmdline"]):
        cmdline = process.info["cmdline"] or []
        if "serve" in cmdline and str(port) in cmdline:
            return process
    raise SystemExit(f"no seglab serve process on port {port}")


class Recorder:
    """Latencies and errors per route, shared by the client threads."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.latencies: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, list[str]] = defaultdict(list)

    def call(self, client: httpx.Client, route: str, method: str, url: str, expected: int, **kwargs) -> httpx.Response:
        started = time.perf_counter()
        try:
            response = client.request(method, url, **kwargs)
        except httpx.HTTPError as error:
            with self.lock:
                self.errors[route].append(f"{type(error).__name__}: {error}")
            raise
        elapsed = time.perf_counter() - started
        with self.lock:
            self.latencies[route].append(elapsed)
            if response.status_code != expected:
                self.errors[route].append(f"{response.status_code}: {response.text[:200]}")
        return response


SQUARE = [[10, 10, 60, 10, 60, 60, 10, 60]]


def _polygon(points: list[list[float]]) -> dict:
    return {"type": "polygon", "parts": [{"exterior": points[0], "holes": []}]}


def _infer(client: httpx.Client, rec: Recorder, model: str, jpeg: str) -> None:
    body = {"model_id": model, "image": {"type": "base64", "value": jpeg}}
    rec.call(client, "POST /infer/instance_segmentation", "POST", "/infer/instance_segmentation", 200, json=body)


def _upload(client: httpx.Client, rec: Recorder, name: str, data: bytes) -> None:
    route = "POST /api/v1/projects/{p}/images"
    rec.call(client, route, "POST", "/api/v1/projects/soak/images", 201, files=[("files", (name, data))])


def _edit(client: httpx.Client, rec: Recorder, image_id: int, category: int) -> None:
    """Create, reshape and delete one annotation, each step on the revision the last one answered."""
    body = {"category_id": category, "geometry": _polygon(SQUARE)}
    route = "POST /api/v1/images/{i}/annotations"
    made = rec.call(client, route, "POST", f"/api/v1/images/{image_id}/annotations", 201, json=body).json()
    path = f"/api/v1/annotations/{made['id']}"
    moved = {"revision": made["revision"], "geometry": _polygon([[v + 1 for v in SQUARE[0]]])}
    edited = rec.call(client, "PATCH /api/v1/annotations/{a}", "PATCH", path, 200, json=moved).json()
    rec.call(client, "DELETE /api/v1/annotations/{a}", "DELETE", path, 200, params={"revision": edited["revision"]})


def _client(role: str, index: int, url: str, model: str, image_id: int, category: int, stop: float, rec: Recorder):
    rng = np.random.default_rng(index)
    jpeg = base64.b64encode(_image_bytes(rng, "JPEG")).decode()
    with httpx.Client(base_url=url, timeout=60) as client:
        while time.monotonic() < stop:
            try:
                if role == "inference":
                    _infer(client, rec, model, jpeg)
                elif role == "upload":
                    _upload(client, rec, f"c{index}.png", _image_bytes(rng, "PNG", (160, 120)))
                else:
                    _edit(client, rec, image_id, category)
            except (httpx.HTTPError, KeyError, ValueError):
                continue  # recorded as an error by the recorder (or the answer was not the expected JSON)


def _percentile(values: list[float], q: float) -> float:
    return round(float(np.percentile(values, q)) * 1000, 1) if values else 0.0


def _mb(size: int) -> float:
    return round(size / 2**20, 1)


class MemorySampler:
    """The RSS of the server and of every process under it (its workers), every ``every`` seconds from a thread,
    each sample stamped with the seconds since the load started."""

    def __init__(self, server: psutil.Process, every: float) -> None:
        self.server = server
        self.every = every
        self.samples: list[dict[str, float]] = []
        self._origin = time.monotonic()
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def measure(self) -> dict[str, float]:
        server = self.server.memory_info().rss
        children = 0
        for child in self.server.children(recursive=True):
            try:
                children += child.memory_info().rss
            except psutil.NoSuchProcess:
                continue  # ended between the listing and the reading
        return {
            "t_s": round(time.monotonic() - self._origin, 1),
            "server_mb": _mb(server),
            "children_mb": _mb(children),
            "total_mb": _mb(server + children),
        }

    def mark(self) -> dict[str, float]:
        """One sample now, kept in the series."""
        sample = self.measure()
        self.samples.append(sample)
        return sample

    def start(self) -> None:
        self._origin = time.monotonic()
        self._thread.start()

    def stop(self) -> None:
        self._stopped.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stopped.wait(self.every):
            self.mark()


def _wait_for_workers(sampler: MemorySampler, quiet: float = 5.0, limit: float = 180.0) -> None:
    """Until the workers' RSS has not changed for ``quiet`` seconds: a worker imports its job handlers after it
    started (tens of MB, seconds, more on a busy machine), which is start-up, not growth under load."""
    deadline = time.monotonic() + limit
    last = sampler.measure()["children_mb"]
    while time.monotonic() < deadline:
        time.sleep(quiet)
        now = sampler.measure()["children_mb"]
        if now == last:
            return
        last = now
    raise SystemExit(f"the workers' memory did not settle within {limit:g} s")


def _load(clients: int, url: str, model: str, image_id: int, category: int, seconds: float, rec: Recorder) -> None:
    """``clients`` threads, in turn inference, upload and edit clients, for ``seconds``."""
    stop = time.monotonic() + seconds
    threads = [
        threading.Thread(target=_client, args=(ROLES[i % len(ROLES)], i, url, model, image_id, category, stop, rec))
        for i in range(clients)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def _routes(rec: Recorder) -> dict[str, dict[str, object]]:
    return {
        route: {
            "requests": len(rec.latencies[route]),
            "errors": len(rec.errors[route]),
            "first_error": rec.errors[route][0] if rec.errors[route] else None,
            "p50_ms": _percentile(rec.latencies[route], 50),
            "p95_ms": _percentile(rec.latencies[route], 95),
        }
        for route in sorted(set(rec.latencies) | set(rec.errors))
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=300.0, help="seconds of measured load (default 300)")
    parser.add_argument("--clients", type=int, default=20, help="concurrent clients (default 20)")
    parser.add_argument(
        "--warmup", type=float, default=WARMUP_SECONDS, help=f"seconds of warm-up load (default {WARMUP_SECONDS:g})"
    )
    parser.add_argument("--sample-every", type=float, default=15.0, help="seconds between RSS samples (default 15)")
    parser.add_argument("--workers", type=int, default=1, help="background workers beside the server (default 1)")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from tests.tiny_model import CLASSES, register_tiny_model

    with tempfile.TemporaryDirectory(prefix="seglab-soak-") as scratch:
        home = Path(scratch) / "home"
        home.mkdir()
        model = register_tiny_model(home)
        port = free_port()
        with seglab_server(home, Path(scratch) / "serve.log", port=port, workers=args.workers) as url:
            sampler = MemorySampler(_server_process(port), args.sample_every)
            started = sampler.measure()
            with httpx.Client(base_url=url, timeout=60) as client:
                created = client.post("/api/v1/projects", json={"name": "soak", "categories": list(CLASSES)})
                category = created.json()["categories"][0]["id"]
                seed = _image_bytes(np.random.default_rng(999), "PNG")
                image_id = client.post("/api/v1/projects/soak/images", files=[("files", ("seed.png", seed))]).json()[
                    "added"
                ][0]["id"]
            _wait_for_workers(sampler)
            warm = Recorder()
            _load(args.clients, url, model, image_id, category, args.warmup, warm)
            sampler.start()  # t = 0: the warmed-up baseline
            baseline = sampler.mark()
            rec = Recorder()
            _load(args.clients, url, model, image_id, category, args.duration, rec)
            sampler.stop()
            end = sampler.mark()
            log = (Path(scratch) / "serve.log").read_text()
            log_errors = [line for line in log.splitlines() if "Traceback" in line]
    errors = sum(len(found) for found in rec.errors.values()) + sum(len(found) for found in warm.errors.values())
    growth = (end["total_mb"] - baseline["total_mb"]) / baseline["total_mb"]
    middle = min(sampler.samples, key=lambda sample: abs(sample["t_s"] - end["t_s"] / 2))
    result = {
        "duration_s": args.duration,
        "clients": args.clients,
        "warmup_s": args.warmup,
        "workers": args.workers,
        "routes": _routes(rec),
        "warmup_routes": {route: found["requests"] for route, found in _routes(warm).items()},
        "errors": errors,
        "tracebacks_logged": len(log_errors),
        "rss_mb": {"started": started["total_mb"], "warm": baseline["total_mb"], "end": end["total_mb"]},
        "rss_series": sampler.samples,
        "rss_growth": round(growth, 3),
        "rss_growth_second_half": round((end["total_mb"] - middle["total_mb"]) / middle["total_mb"], 3),
        "rss_growth_server": round((end["server_mb"] - baseline["server_mb"]) / baseline["server_mb"], 3),
        "rss_flat": growth <= RSS_TOLERANCE,
        "passed": errors == 0 and not log_errors and growth <= RSS_TOLERANCE,
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
