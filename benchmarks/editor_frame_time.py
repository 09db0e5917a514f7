"""Benchmark: the editor's frame time while panning and zooming an image with many polygons, and picking, in Chromium.

Starts ``seglab serve`` on a scratch home, stores a 2000x1500 image with ``--polygons`` polygon annotations (24
vertices each), opens the editor in Debian's Chromium (Playwright, headless), pans with the mouse, zooms in and
out with the wheel, and reads the editor's own draw timings (``performance.measure("seglab-draw")``, one per
redraw; ``seglab-layer`` for the repaints of the cached annotation layer they include) and the intervals between
animation frames. Then, with the select tool, clicks ``--clicks`` points and reads ``seglab-pick`` (finding the
annotation under the pointer through the spatial index). Prints one JSON object; targets: draw p95 <= 16 ms (one
frame at 60 Hz), pick p95 <= 2 ms.

    .venv/bin/python benchmarks/editor_frame_time.py [--polygons 10000] [--steps 120] [--clicks 40]
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

from _serving import seglab_server

TARGET_MS = 16.0
PICK_TARGET_MS = 2.0


def _store(home: Path, polygons: int) -> int:
    os.environ["SEGLAB_HOME"] = str(home)
    from seglab.geometry import MultiPolygon
    from seglab.services import images, projects
    from seglab.store import NewAnnotation, Workspace
    from seglab.store import annotations as annotation_store

    ws = Workspace()
    category = projects.create_project(ws, "bench", ["thing"]).categories[0].id
    picture = home.parent / "big.jpg"
    rng = np.random.default_rng(0)
    cv2.imwrite(str(picture), rng.integers(0, 255, (1500, 2000, 3), dtype=np.uint8))
    image_id = images.upload_paths(ws, "bench", [picture]).added[0].id
    angles = np.linspace(0, 2 * np.pi, 25)[:-1]
    items = []
    for _ in range(polygons):
        cx, cy, r = rng.uniform(40, 1960), rng.uniform(40, 1460), rng.uniform(10, 35)
        ring = [v for a in angles for v in (cx + r * np.cos(a), cy + r * np.sin(a))]
        items.append((image_id, NewAnnotation(category, MultiPolygon.from_coco([ring]))))
    with ws.db.transaction() as session:
        annotation_store.bulk_create(session, items)
    ws.close()
    return image_id


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--polygons", type=int, default=10000)
    parser.add_argument("--steps", type=int, default=120)
    parser.add_argument("--clicks", type=int, default=40)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="seglab-bench-") as scratch:
        home = Path(scratch) / "home"
        image_id = _store(home, args.polygons)
        with seglab_server(home, Path(scratch) / "serve.log") as url, sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path="/usr/bin/chromium",
                args=["--headless", "--no-sandbox", "--disable-background-networking"],
            )
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            started = time.perf_counter()
            page.goto(f"{url}/images/{image_id}")
            page.get_by_test_id("annotations").locator("li").nth(args.polygons - 1).wait_for(timeout=300_000)
            load_s = round(time.perf_counter() - started, 2)
            stage = page.get_by_test_id("stage").bounding_box()
            assert stage is not None
            page.evaluate(
                "() => { performance.clearMeasures('seglab-draw'); window.__frames = [];"
                " const tick = (t) => { window.__frames.push(t); requestAnimationFrame(tick); };"
                " requestAnimationFrame(tick); }"
            )
            x, y = stage["x"] + stage["width"] / 2, stage["y"] + stage["height"] / 2
            page.mouse.move(x, y)
            page.mouse.down(button="right")
            for step in range(args.steps):
                page.mouse.move(x + 200 * np.sin(step / 10), y + 120 * np.cos(step / 10))
            page.mouse.up(button="right")
            for step in range(args.steps // 2):  # zoom in, then out again, around moving points
                page.mouse.move(x + 150 * np.sin(step / 7), y + 90 * np.cos(step / 7))
                page.mouse.wheel(0, -100 if step < args.steps // 4 else 100)
                page.wait_for_timeout(16)  # a wheel notch per frame, as a hand gives them
            draws = page.evaluate("() => performance.getEntriesByName('seglab-draw').map(e => e.duration)")
            layers = page.evaluate("() => performance.getEntriesByName('seglab-layer').map(e => e.duration)")
            frames = page.evaluate("() => window.__frames")
            page.keyboard.press("v")
            page.evaluate("() => performance.clearMeasures('seglab-pick')")
            rng = np.random.default_rng(1)
            for _ in range(args.clicks):
                page.mouse.click(stage["x"] + rng.uniform(20, stage["width"] - 20), stage["y"] + rng.uniform(20, 400))
            picks = page.evaluate("() => performance.getEntriesByName('seglab-pick').map(e => e.duration)")
            browser.close()
    draw = np.array(draws)
    intervals = np.diff(np.array(frames))
    result = {
        "polygons": args.polygons,
        "open_editor_s": load_s,
        "redraws": len(draw),
        "draw_ms": {"p50": round(float(np.percentile(draw, 50)), 2), "p95": round(float(np.percentile(draw, 95)), 2)},
        "frame_interval_ms": {
            "p50": round(float(np.percentile(intervals, 50)), 2),
            "p95": round(float(np.percentile(intervals, 95)), 2),
        },
        "layer_repaints": len(layers),
        "layer_repaint_ms": {
            "p50": round(float(np.percentile(layers, 50)), 2) if layers else None,
            "p95": round(float(np.percentile(layers, 95)), 2) if layers else None,
        },
        "picks": len(picks),
        "pick_ms": {"p50": round(float(np.percentile(picks, 50)), 3), "p95": round(float(np.percentile(picks, 95)), 3)},
        "target_draw_p95_ms": TARGET_MS,
        "target_pick_p95_ms": PICK_TARGET_MS,
    }
    result["met"] = result["draw_ms"]["p95"] <= TARGET_MS and result["pick_ms"]["p95"] <= PICK_TARGET_MS
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
