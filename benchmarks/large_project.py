"""Benchmark: one project grown in steps (10,000 → 30,000 → 100,000 images by default, ``--sizes``) on PostgreSQL
with its blobs in an S3-compatible bucket, measured at each size through the CLI and a live ``seglab serve``.

Everything is real and local: a PostgreSQL server the script starts (tests/postgres.py: ``initdb`` + ``pg_ctl`` in a
temporary folder), moto's S3 server on a loopback port (as tests/s3 do; ``SEGLAB_BLOB_URL=s3://BUCKET/blobs?
endpoint_url=...``) and one ``seglab serve`` (no background worker) on the same database and bucket. The images are
small generated PNGs (``--side``, 64 px by default; each its own bytes) with ``--per-image`` polygons (default 10) in
a COCO folder per step; one class of eleven is rare (about one image in ten) so that the filter has something to
filter. At each size:

- ``import``: ``seglab import STEP_FOLDER --project big --json`` of the step's new images (a subprocess: its
  start-up is included), images per second;
- ``grid``: ``GET /api/v1/projects/big/images?offset=..&limit=100`` at ``--samples`` random offsets over the whole
  project (the grid's jumps), p50/p95 in ms;
- ``filter``: the same with ``category_id`` of the rare class (random offsets over what matches);
- ``open`` and ``edit``: the editor's path on random images of the whole project: ``GET
  /api/v1/images/{id}/annotations``, then ``PATCH /api/v1/annotations/{id}`` of one of them on the revision just
  read; p50/p95 of each;
- ``stats``: ``GET /api/v1/projects/big/stats`` (best of three), seconds;
- ``version``: ``seglab version create big --split 70,20,10 --json`` (no resize, no augmentation: a subprocess,
  start-up included), images per second.

Prints one JSON object. ``passed``: the page latencies (grid, filter, open, edit p95) at the largest size within
``--flat`` (1.5) times those at the smallest, plus ``--slack-ms`` (10 ms) for the timer noise of a shared machine;
and the totals linear: seconds per image of every import step, of the version and of the stats at each size within
``--flat`` times those of the smallest size.

    .venv/bin/python benchmarks/large_project.py [--sizes 10000,30000,100000] [--samples 100]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import cv2
import httpx
import numpy as np

from _serving import free_port, seglab_server

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tests.postgres import running_postgres  # noqa: E402  (the tests' PostgreSQL helper, beside the checkout)
from tests.s3.moto_server import CREDENTIALS, running_moto, s3_client  # noqa: E402  (and their S3 server)

PROJECT = "big"
CLASSES = [f"class{n}" for n in range(10)]
RARE = "rare"
"""The class of one image in ten: what the filter asks for."""


def generate(folder: Path, first: int, last: int, side: int, per_image: int) -> int:
    """A COCO folder of images ``first..last-1``: each a ``side``-pixel PNG with ``per_image`` filled polygons (its
    index in its first pixel: every image its own bytes); returns the number of polygons."""
    folder.mkdir(parents=True)
    angles = np.linspace(0, 2 * np.pi, 8, endpoint=False)
    entries, annotations = [], []
    categories = [{"id": n + 1, "name": name, "supercategory": "none"} for n, name in enumerate([*CLASSES, RARE])]
    for index in range(first, last):
        rng = np.random.default_rng(index)
        pixels = np.full((side, side, 3), 40 + index % 50, np.uint8)
        pixels[0, 0] = (index & 0xFF, (index >> 8) & 0xFF, (index >> 16) & 0xFF)
        name = f"img{index:07d}.png"
        entries.append({"id": index, "file_name": name, "width": side, "height": side})
        for number in range(per_image):
            centre = rng.uniform(side * 0.2, side * 0.8, size=2)
            radius = rng.uniform(side * 0.05, side * 0.18, size=len(angles))
            points = np.column_stack([centre[0] + radius * np.cos(angles), centre[1] + radius * np.sin(angles)])
            points = np.clip(points, 0, side - 1)
            category = len(CLASSES) + 1 if number == 0 and index % 10 == 0 else 1 + int(rng.integers(len(CLASSES)))
            cv2.fillPoly(pixels, [np.round(points).astype(np.int32)], (37 * category % 255, 90, 160))
            x0, y0 = points.min(axis=0)
            x1, y1 = points.max(axis=0)
            annotations.append(
                {
                    "id": len(annotations) + 1,
                    "image_id": index,
                    "category_id": category,
                    "segmentation": [np.round(points, 1).ravel().tolist()],
                    "bbox": [float(x0), float(y0), float(x1 - x0), float(y1 - y0)],
                    "area": 0,
                    "iscrowd": 0,
                }
            )
        ok, encoded = cv2.imencode(".png", pixels)
        assert ok
        (folder / name).write_bytes(encoded.tobytes())
    coco = {"images": entries, "annotations": annotations, "categories": categories}
    (folder / "_annotations.coco.json").write_text(json.dumps(coco))
    return len(annotations)


def _seglab(*arguments: str) -> tuple[dict[str, Any], float]:
    """``seglab ARGUMENTS --json`` in a new process: its JSON answer and its wall time in seconds."""
    began = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "seglab", *arguments, "--json"], capture_output=True, text=True, env=os.environ
    )
    seconds = time.perf_counter() - began
    if done.returncode != 0:
        raise SystemExit(f"seglab {' '.join(arguments)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return json.loads(done.stdout), seconds


def _ms(values: list[float], q: float) -> float:
    return round(float(np.percentile(values, q)) * 1000, 1)


def _summary(values: list[float]) -> dict[str, float]:
    return {"p50_ms": _ms(values, 50), "p95_ms": _ms(values, 95)}


def _timed(http: httpx.Client, method: str, url: str, **kwargs: Any) -> tuple[httpx.Response, float]:
    began = time.perf_counter()
    answer = http.request(method, url, **kwargs)
    seconds = time.perf_counter() - began
    if answer.status_code != 200:
        raise SystemExit(f"{method} {url}: {answer.status_code} {answer.text[:300]}")
    return answer, seconds


def _pages(http: httpx.Client, api: str, samples: int, rng: random.Random, **filters: Any) -> list[float]:
    """``samples`` grid pages of 100 at random offsets over what ``filters`` match."""
    total = http.get(f"{api}/projects/{PROJECT}/images", params={**filters, "limit": 1}).json()["total"]
    latencies = []
    for _ in range(samples):
        offset = rng.randrange(max(total - 100, 1))
        answer, seconds = _timed(
            http, "GET", f"{api}/projects/{PROJECT}/images", params={**filters, "offset": offset, "limit": 100}
        )
        assert answer.json()["items"], (filters, offset, total)
        latencies.append(seconds)
    return latencies


def _edits(http: httpx.Client, api: str, samples: int, rng: random.Random) -> tuple[list[float], list[float]]:
    """The editor's path on ``samples`` random images: open (their annotations), then one edit on the revision read."""
    ids = http.get(f"{api}/projects/{PROJECT}/image-ids").json()["ids"]
    opened, edited = [], []
    for image in rng.sample(ids, min(samples, len(ids))):
        answer, seconds = _timed(http, "GET", f"{api}/images/{image}/annotations")
        opened.append(seconds)
        annotation = rng.choice(answer.json())
        exterior = [float(v) + rng.choice((-0.5, 0.5)) for v in annotation["geometry"]["parts"][0]["exterior"]]
        geometry = {"type": "polygon", "parts": [{"exterior": [max(v, 0.0) for v in exterior], "holes": []}]}
        _, seconds = _timed(
            http,
            "PATCH",
            f"{api}/annotations/{annotation['id']}",
            json={"revision": annotation["revision"], "geometry": geometry},
        )
        edited.append(seconds)
    return opened, edited


def measure(api: str, size: int, samples: int, seed: int) -> dict[str, Any]:
    rng = random.Random(seed + size)
    with httpx.Client(timeout=600) as http:
        http.get(f"{api}/projects/{PROJECT}/images", params={"limit": 100})  # routes and pool warmed
        grid = _pages(http, api, samples, rng)
        rare = next(c["id"] for c in http.get(f"{api}/projects/{PROJECT}").json()["categories"] if c["name"] == RARE)
        filtered = _pages(http, api, samples, rng, category_id=rare)
        opened, edited = _edits(http, api, samples, rng)
        stats_seconds = []
        for _ in range(3):
            answer, seconds = _timed(http, "GET", f"{api}/projects/{PROJECT}/stats")
            stats_seconds.append(seconds)
        assert answer.json()["images"] == size, answer.json()["images"]
    return {
        "grid": _summary(grid),
        "filter": _summary(filtered),
        "open": _summary(opened),
        "edit": _summary(edited),
        "stats_s": round(min(stats_seconds), 3),
    }


def run(args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="seglab-large-") as scratch, running_postgres() as postgres:
        root = Path(scratch)
        with running_moto(free_port(), root / "moto.log", timeout=120) as endpoint:
            s3_client(endpoint).create_bucket(Bucket="seglab-large")
            for name in [name for name in os.environ if name.startswith("AWS_")]:
                del os.environ[name]
            os.environ.update(CREDENTIALS)
            os.environ["SEGLAB_HOME"] = str(root / "home")
            os.environ["SEGLAB_DATABASE_URL"] = postgres.create_database("large")
            os.environ["SEGLAB_BLOB_URL"] = f"s3://seglab-large/blobs?endpoint_url={endpoint}"
            _seglab("project", "create", PROJECT, *[f"--class={name}" for name in [*CLASSES, RARE]])
            steps = []
            with seglab_server(root / "home", root / "serve.log") as server:
                api = f"{server}/api/v1"
                done = 0
                for size in args.sizes:
                    folder = root / f"step-{size}"
                    began = time.perf_counter()
                    polygons = generate(folder, done, size, args.side, args.per_image)
                    generation = time.perf_counter() - began
                    report, seconds = _seglab("import", str(folder), "--project", PROJECT)
                    if report["images_added"] != size - done or report["annotations_added"] != polygons:
                        raise SystemExit(f"the import of step {size} added too little: {report}")
                    step: dict[str, Any] = {
                        "images": size,
                        "generated_s": round(generation, 1),
                        "import": {
                            "images": size - done,
                            "seconds": round(seconds, 1),
                            "images_per_s": round((size - done) / seconds, 1),
                        },
                    }
                    step.update(measure(api, size, args.samples, args.seed))
                    version, seconds = _seglab("version", "create", PROJECT, "--split", "70,20,10")
                    assert version["statistics"]["images"] == size, version["statistics"]
                    step["version"] = {"seconds": round(seconds, 1), "images_per_s": round(size / seconds, 1)}
                    steps.append(step)
                    print(json.dumps(step), file=sys.stderr, flush=True)  # progress: a long run shows each size
                    done = size
    return {"steps": steps}


def verdict(steps: list[dict[str, Any]], flat: float, slack_ms: float) -> dict[str, Any]:
    """Page latencies flat, totals linear: each check as ``[largest (or each), allowed]``."""
    first, last = steps[0], steps[-1]
    checks: dict[str, Any] = {}
    for page in ("grid", "filter", "open", "edit"):
        checks[f"{page}_p95_flat"] = [last[page]["p95_ms"], round(first[page]["p95_ms"] * flat + slack_ms, 1)]
    per_image = [step["import"]["seconds"] / step["import"]["images"] for step in steps]
    checks["import_linear"] = [round(max(per_image) * 1000, 2), round(per_image[0] * flat * 1000, 2)]
    version = [step["version"]["seconds"] / step["images"] for step in steps]
    checks["version_linear"] = [round(max(version) * 1000, 2), round(version[0] * flat * 1000, 2)]
    stats = [step["stats_s"] / step["images"] for step in steps]
    checks["stats_linear"] = [round(max(stats) * 1000, 3), round(stats[0] * flat * 1000, 3)]
    return {
        "checks": checks,
        "units": "p95 in ms; linear checks in ms per image (worst size, allowed)",
        "passed": all(measured <= allowed for measured, allowed in checks.values()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,30000,100000", help="project sizes to measure at, growing")
    parser.add_argument("--samples", type=int, default=100, help="requests per page latency and size")
    parser.add_argument("--per-image", type=int, default=10, help="polygons per image")
    parser.add_argument("--side", type=int, default=64, help="image side in pixels")
    parser.add_argument("--flat", type=float, default=1.5, help="allowed growth factor")
    parser.add_argument("--slack-ms", type=float, default=10.0, help="added to the allowed p95 (timer noise)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    args.sizes = [int(size) for size in args.sizes.split(",")]
    if len(args.sizes) < 2 or args.sizes != sorted(set(args.sizes)):
        parser.error("--sizes: at least two sizes, growing")
    began = time.perf_counter()
    report: dict[str, Any] = {"benchmark": "large_project", "sizes": args.sizes, "per_image": args.per_image}
    report.update(run(args))
    report.update(verdict(report["steps"], args.flat, args.slack_ms))
    report["seconds"] = round(time.perf_counter() - began, 1)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
