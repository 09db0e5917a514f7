"""Benchmark: a soak test. ``--clients`` concurrent clients (default 20, in turn: inference, uploads, annotation
edits) against one ``seglab serve`` on loopback for ``--duration`` seconds (default 300).

The server runs a real ONNX model through ONNX Runtime (tests/tiny_model.py: RF-DETR-Seg's inputs and outputs,
registered without training, so the run measures serving rather than a network). Inference clients send a JPEG
as base64; upload clients upload a new PNG each time (new bytes, new blob); edit clients create, reshape and delete
an annotation on an uploaded image, each edit on the revision the last one returned.

Prints one JSON object: requests and errors per route (errors: any answer but the expected 2xx, or no answer),
p50/p95 latency per route in milliseconds, the server's RSS after warm-up and at the end, and ``passed``: no
errors and the end RSS within 10% of the warmed-up one.

    .venv/bin/python benchmarks/soak.py [--duration 300] [--clients 20]
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=300.0, help="seconds of load (default 300)")
    parser.add_argument("--clients", type=int, default=20, help="concurrent clients (default 20)")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from tests.tiny_model import CLASSES, register_tiny_model

    with tempfile.TemporaryDirectory(prefix="seglab-soak-") as scratch:
        home = Path(scratch) / "home"
        home.mkdir()
        model = register_tiny_model(home)
        port = free_port()
        with seglab_server(home, Path(scratch) / "serve.log", port=port) as url:
            server = _server_process(port)
            rss_started = server.memory_info().rss
            with httpx.Client(base_url=url, timeout=60) as client:
                created = client.post("/api/v1/projects", json={"name": "soak", "categories": list(CLASSES)})
                category = created.json()["categories"][0]["id"]
                seed = _image_bytes(np.random.default_rng(999), "PNG")
                image_id = client.post("/api/v1/projects/soak/images", files=[("files", ("seed.png", seed))]).json()[
                    "added"
                ][0]["id"]
            warm = Recorder()  # one round of every role before the baseline: the model loaded, caches filled
            for role_index, role in enumerate(ROLES):
                _client(role, 1000 + role_index, url, model, image_id, category, time.monotonic() + 2, warm)
            rss_warm = server.memory_info().rss
            rec = Recorder()
            stop = time.monotonic() + args.duration
            threads = [
                threading.Thread(
                    target=_client, args=(ROLES[i % len(ROLES)], i, url, model, image_id, category, stop, rec)
                )
                for i in range(args.clients)
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            rss_end = server.memory_info().rss
            log = (Path(scratch) / "serve.log").read_text()
            log_errors = [line for line in log.splitlines() if "Traceback" in line]
    routes = sorted(set(rec.latencies) | set(rec.errors))
    errors = sum(len(found) for found in rec.errors.values()) + sum(len(found) for found in warm.errors.values())
    growth = (rss_end - rss_warm) / rss_warm
    result = {
        "duration_s": args.duration,
        "clients": args.clients,
        "routes": {
            route: {
                "requests": len(rec.latencies[route]),
                "errors": len(rec.errors[route]),
                "first_error": rec.errors[route][0] if rec.errors[route] else None,
                "p50_ms": _percentile(rec.latencies[route], 50),
                "p95_ms": _percentile(rec.latencies[route], 95),
            }
            for route in routes
        },
        "errors": errors,
        "tracebacks_logged": len(log_errors),
        "rss_mb": {
            "started": round(rss_started / 2**20, 1),
            "warm": round(rss_warm / 2**20, 1),
            "end": round(rss_end / 2**20, 1),
        },
        "rss_growth": round(growth, 3),
        "rss_flat": growth <= RSS_TOLERANCE,
        "passed": errors == 0 and not log_errors and growth <= RSS_TOLERANCE,
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
