"""Benchmark: the editor's next / previous under a grid filter on a 100,000-image project against a 100-image one.

Stores two projects under a scratch home (image records only; a third of them annotated, some in valid), then asks
the service for an image's neighbours and place ("12 / 141") at twenty places spread over each project, with no
filter, with ``status=unannotated`` and with ``split=valid`` + ``status=unannotated``. The reference, measured in
the same run: the first grid page under the same filter (which counts the matching images too). Prints one JSON
object. Target: on the big project, each answer within 1.5x its grid page's (+ 2 ms for timer noise); the small
project's answers are shown for scale.

    .venv/bin/python benchmarks/image_neighbours.py [--images 100000]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import tempfile
import time
from pathlib import Path

REFERENCE_IMAGES = 100
FILTERS = {
    "none": {},
    "unannotated": {"status": "unannotated"},
    "valid_unannotated": {"split": "valid", "status": "unannotated"},
}


def _store(home: Path, sizes: dict[str, int]) -> dict[str, list[int]]:
    """The projects' image records (a third annotated, a fifth in valid); returns each project's image ids."""
    os.environ["SEGLAB_HOME"] = str(home)
    from sqlalchemy import update

    from seglab.core import Split
    from seglab.services import projects
    from seglab.store import Workspace
    from seglab.store import images as image_store
    from seglab.store._models import ImageRow

    ws = Workspace()
    ids: dict[str, list[int]] = {}
    for name, size in sizes.items():
        project = projects.create_project(ws, name, ["thing"])
        with ws.db.transaction() as session:
            news = [
                image_store.NewImage(
                    sha256=hashlib.sha256(f"{name}-{index}".encode()).hexdigest(),
                    file_name=f"img-{index:06d}.jpg",
                    width=64,
                    height=48,
                    split=Split.VALID if index % 5 == 0 else Split.TRAIN,
                )
                for index in range(size)
            ]
            for start in range(0, size, 5000):
                image_store.add_images(session, project.id, news[start : start + 5000])
            rows = image_store.image_ids(session, project.id)
            session.execute(update(ImageRow).where(ImageRow.id.in_(rows[::3])).values(status="annotated"))
        ids[name] = rows
    ws.close()
    return ids


def _measure(project: str, image_ids: list[int], filters: dict[str, str]) -> tuple[float, float]:
    """The median milliseconds of the neighbours answer at twenty places spread over the project, and of the
    grid's first page under the same filter."""
    from seglab.services import images
    from seglab.store import ImageFilter, Workspace

    ws = Workspace()
    chosen = ImageFilter(**filters)  # type: ignore[arg-type]
    places = [image_ids[(len(image_ids) - 1) * step // 19] for step in range(20)]
    images.neighbours(ws, places[0], chosen)  # warm: connections, statements
    images.list_images(ws, project, chosen)
    neighbours, pages = [], []
    for image_id in places:
        started = time.perf_counter()
        images.neighbours(ws, image_id, chosen)
        neighbours.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        images.list_images(ws, project, chosen)
        pages.append((time.perf_counter() - started) * 1000)
    ws.close()
    return round(statistics.median(neighbours), 2), round(statistics.median(pages), 2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        ids = _store(Path(scratch) / "home", {"big": args.images, "small": REFERENCE_IMAGES})
        big = {name: _measure("big", ids["big"], query) for name, query in FILTERS.items()}
        small = {name: _measure("small", ids["small"], query)[0] for name, query in FILTERS.items()}
    result = {
        "images": args.images,
        "neighbours_ms_p50": {name: answer for name, (answer, _) in big.items()},
        "reference": {
            "grid_page_ms_p50": {name: page for name, (_, page) in big.items()},
            f"neighbours_ms_p50_on_{REFERENCE_IMAGES}_images": small,
        },
        "target": "each neighbours answer within 1.5x the grid page's under the same filter (+ 2 ms)",
        "met": all(answer <= 1.5 * page + 2 for answer, page in big.values()),
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
