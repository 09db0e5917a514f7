"""Benchmark: ``--annotators`` simulated annotators (default 20) editing annotations at once through one
``seglab serve`` for ``--seconds`` (default 60), on SQLite and on PostgreSQL.

PostgreSQL is a real server this script starts itself (tests/postgres.py: Debian's ``initdb`` and ``pg_ctl`` in a
temporary folder); SQLite is the embedded default. Each annotator sends PATCHes as the editor does: on the
revision it last saw, taking the server's ``current_revision`` from a 409 and carrying on. The annotations are
spread over ``--images`` (one per annotator by default); each annotator edits its own image's, and one edit in ten
(``--shared``) anyone's, so annotators collide now and then and some edits are refused: that is the point.

Afterwards every annotation's history is read back: an edit the server acknowledged (200) must be in the history
under the revision it was given, with its author and shape, and no two edits may have been given one revision.
``edits_lost`` counts acknowledged edits missing that way (target 0). Prints one JSON object per database with the
edit latency p50/p95 in milliseconds (acknowledged and refused edits alike), edits per second and conflicts.

    .venv/bin/python benchmarks/pg_concurrency.py [--seconds 60] [--annotators 20] [--only postgresql]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import numpy as np
from PIL import Image

from _serving import seglab_server

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tests.postgres import running_postgres  # noqa: E402  (the tests' PostgreSQL helper, beside the checkout)


@dataclass
class Annotator:
    name: str
    latencies: list[float] = field(default_factory=list)
    acknowledged: list[tuple[int, int, int]] = field(default_factory=list)
    """(annotation id, revision the server gave, square side sent) of every edit answered 200."""
    conflicts: int = 0
    errors: list[str] = field(default_factory=list)


def _png(seed: int) -> bytes:
    pixels = np.random.default_rng(seed).integers(0, 255, (64, 64, 3), dtype=np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG")
    return buffer.getvalue()


def _square(side: int) -> dict[str, object]:
    return {"type": "polygon", "parts": [{"exterior": [0, 0, side, 0, side, side, 0, side], "holes": []}]}


def _prepare(api: str, images: int, annotations: int) -> dict[int, tuple[int, int]]:
    """A project with ``images`` images holding ``annotations`` annotations in all: id -> (image index, revision)."""
    httpx.post(f"{api}/projects", json={"name": "bench", "categories": ["thing"]}).raise_for_status()
    category = httpx.get(f"{api}/projects/bench").json()["categories"][0]["id"]
    files = [("files", (f"{n}.png", _png(n), "image/png")) for n in range(images)]
    uploaded = httpx.post(f"{api}/projects/bench/images", files=files, timeout=120)
    uploaded.raise_for_status()
    image_ids = [image["id"] for image in uploaded.json()["added"]]
    revisions = {}
    for n in range(annotations):
        created = httpx.post(
            f"{api}/images/{image_ids[n % images]}/annotations", json={"category_id": category, "geometry": _square(8)}
        )
        created.raise_for_status()
        revisions[created.json()["id"]] = (n % images, created.json()["revision"])
    return revisions


def _annotate(
    api: str, me: Annotator, annotations: dict[int, tuple[int, int]], args: argparse.Namespace, until: float
) -> None:
    """Edit the annotations of this annotator's own image, and now and then (``--shared``) anyone's."""
    known = {annotation: revision for annotation, (_, revision) in annotations.items()}
    image = int(me.name.rsplit("-", 1)[1]) % args.images
    mine = [annotation for annotation, (on, _) in annotations.items() if on == image]
    rng = random.Random(me.name)
    with httpx.Client(headers={"X-Seglab-User": me.name}, timeout=60) as http:
        args.start.wait()
        while time.monotonic() < until:
            annotation = rng.choice(list(known)) if rng.random() < args.shared else rng.choice(mine)
            side = rng.randint(2, 60)
            began = time.perf_counter()
            try:
                answer = http.patch(
                    f"{api}/annotations/{annotation}", json={"revision": known[annotation], "geometry": _square(side)}
                )
            except httpx.TransportError as failure:
                me.errors.append(f"{type(failure).__name__}: {failure}")
                continue
            me.latencies.append(time.perf_counter() - began)
            if answer.status_code == 200:
                known[annotation] = answer.json()["revision"]
                me.acknowledged.append((annotation, known[annotation], side))
            elif answer.status_code == 409:
                me.conflicts += 1
                known[annotation] = answer.json()["error"]["details"]["current_revision"]
            else:
                me.errors.append(f"{answer.status_code}: {answer.text[:200]}")


def _side(geometry: dict[str, Any]) -> float:
    return max(geometry["parts"][0]["exterior"])


def _lost_edits(api: str, annotators: list[Annotator]) -> int:
    """Acknowledged edits the history does not hold as acknowledged (author, revision, shape), plus revisions
    handed out twice."""
    histories = {}
    lost = 0
    seen: set[tuple[int, int]] = set()
    for me in annotators:
        for annotation, revision, side in me.acknowledged:
            if (annotation, revision) in seen:
                lost += 1
                continue
            seen.add((annotation, revision))
            if annotation not in histories:
                history = httpx.get(f"{api}/annotations/{annotation}/history", timeout=60).json()
                histories[annotation] = {entry["revision"]: entry for entry in history}
            entry = histories[annotation].get(revision)
            if entry is None or entry["author"] != me.name or _side(entry["state"]["geometry"]) != side:
                lost += 1
    return lost


def _percentile(values: list[float], q: float) -> float:
    return round(float(np.percentile(values, q)) * 1000, 1) if values else float("nan")


@contextmanager
def _database(kind: str) -> Iterator[str | None]:
    """``SEGLAB_DATABASE_URL`` for ``kind``: None (the home's SQLite file) or a database on a new PostgreSQL."""
    if kind == "sqlite":
        yield None
        return
    with running_postgres() as server:
        yield server.create_database("bench")


def run(kind: str, args: argparse.Namespace) -> dict[str, object]:
    with tempfile.TemporaryDirectory(prefix="seglab-bench-") as scratch, _database(kind) as url:
        os.environ.pop("SEGLAB_DATABASE_URL", None)
        if url is not None:
            os.environ["SEGLAB_DATABASE_URL"] = url
        home = Path(scratch) / "home"
        with seglab_server(home, Path(scratch) / "serve.log") as server:
            api = f"{server}/api/v1"
            revisions = _prepare(api, args.images, args.annotations)
            annotators = [Annotator(f"annotator-{n}") for n in range(args.annotators)]
            args.start = threading.Barrier(len(annotators))
            until = time.monotonic() + args.seconds
            threads = [threading.Thread(target=_annotate, args=(api, me, revisions, args, until)) for me in annotators]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            latencies = [latency for me in annotators for latency in me.latencies]
            acknowledged = sum(len(me.acknowledged) for me in annotators)
            return {
                "edits_sent": len(latencies),
                "edits_acknowledged": acknowledged,
                "conflicts_409": sum(me.conflicts for me in annotators),
                "errors": sum(len(me.errors) for me in annotators),
                "first_errors": [error for me in annotators for error in me.errors][:3],
                "edits_lost": _lost_edits(api, annotators),
                "edits_per_s": round(len(latencies) / args.seconds, 1),
                "p50_ms": _percentile(latencies, 50),
                "p95_ms": _percentile(latencies, 95),
            }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--annotators", type=int, default=20)
    parser.add_argument("--images", type=int, default=20, help="one per annotator by default")
    parser.add_argument("--annotations", type=int, default=100)
    parser.add_argument("--shared", type=float, default=0.1, help="share of edits on anyone's image (collisions)")
    parser.add_argument("--only", choices=["sqlite", "postgresql"], help="measure one database only")
    args = parser.parse_args()
    report: dict[str, object] = {"annotators": args.annotators, "seconds": args.seconds}
    for kind in [args.only] if args.only else ["sqlite", "postgresql"]:
        report[kind] = run(kind, args)
    report["passed"] = all(
        isinstance(result, dict) and result["edits_lost"] == 0 and result["errors"] == 0
        for key, result in report.items()
        if key in ("sqlite", "postgresql")
    )
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
