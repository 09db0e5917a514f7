"""Benchmark: the project grid with 10,000 images against the same grid with 100, in Chromium.

Stores two projects under a scratch home (image records; one real upload each, the other images' thumbnails
answer 404, which costs the page nothing), opens each project page in Debian's Chromium (Playwright, headless),
and measures the time until the first tiles show, then jumps to ten places spread over the whole grid and
measures the time until every tile in view has its image record. Prints one JSON object. Target: the
10,000-image grid opens and fills a jump within 2x the 100-image grid's times (plus 50 ms for timer noise),
with no more tiles in the page than a screenful.

    .venv/bin/python benchmarks/grid_scroll.py [--images 10000]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

from _serving import seglab_server

REFERENCE_IMAGES = 100
SLACK_MS = 50.0


def _store(home: Path, projects_and_sizes: dict[str, int]) -> None:
    os.environ["SEGLAB_HOME"] = str(home)
    from seglab.services import images, projects
    from seglab.store import Workspace
    from seglab.store import images as image_store

    ws = Workspace()
    for name, size in projects_and_sizes.items():
        project = projects.create_project(ws, name, ["thing"])
        picture = home.parent / f"{name}-first.png"
        cv2.imwrite(str(picture), np.full((60, 80, 3), 200, np.uint8))
        images.upload_paths(ws, name, [picture])
        with ws.db.transaction() as session:
            for index in range(1, size):
                image_store.add_image(
                    session,
                    project.id,
                    sha256=hashlib.sha256(f"{name}-{index}".encode()).hexdigest(),
                    file_name=f"img-{index:05d}.jpg",
                    width=80,
                    height=60,
                )
    ws.close()


def _median(values: list[float]) -> float:
    return round(float(np.median(values)), 1)


def _measure(page, url: str, project: str, size: int) -> dict[str, float]:
    started = time.perf_counter()
    page.goto(f"{url}/projects/{project}")
    page.get_by_test_id("image-count").filter(has_text=f"{size} images").wait_for()
    page.get_by_test_id("image-grid").locator("li:not(.loading)").first.wait_for()
    opened = (time.perf_counter() - started) * 1000
    jumps, tiles = [], []
    for fraction in np.linspace(0, 1, 10):
        started = time.perf_counter()
        page.evaluate(f"window.scrollTo(0, (document.body.scrollHeight - window.innerHeight) * {fraction})")
        page.wait_for_function("() => !document.querySelector('.virtual-grid li.loading')")
        jumps.append((time.perf_counter() - started) * 1000)
        tiles.append(page.get_by_test_id("image-grid").locator("li").count())
    return {"open_ms": round(opened, 1), "jump_fill_ms_p50": _median(jumps), "max_tiles_in_page": max(tiles)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--images", type=int, default=10_000)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="seglab-bench-") as scratch:
        home = Path(scratch) / "home"
        _store(home, {"reference": REFERENCE_IMAGES, "big": args.images})
        with seglab_server(home, Path(scratch) / "serve.log") as url, sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path="/usr/bin/chromium",
                args=["--headless", "--no-sandbox", "--disable-background-networking"],
            )
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            _measure(page, url, "reference", REFERENCE_IMAGES)  # warm-up: the app's code, the server's caches
            reference = _measure(page, url, "reference", REFERENCE_IMAGES)
            big = _measure(page, url, "big", args.images)
            browser.close()
    result = {
        "images": args.images,
        "grid": big,
        "reference": {"images": REFERENCE_IMAGES, **reference},
        "target": f"open and jump-fill within 2x the {REFERENCE_IMAGES}-image grid + {SLACK_MS:.0f} ms",
    }
    result["met"] = (
        big["open_ms"] <= 2 * reference["open_ms"] + SLACK_MS
        and big["jump_fill_ms_p50"] <= 2 * reference["jump_fill_ms_p50"] + SLACK_MS
        and big["max_tiles_in_page"] <= max(reference["max_tiles_in_page"], 200)
    )
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
