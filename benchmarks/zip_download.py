"""Benchmark: a large version downloaded as a zip while the server's memory stays flat.

Generates ``--gb`` gigabytes of incompressible images (random-noise PNGs), imports them into a
project, creates a version, then downloads ``GET /api/v1/versions/{id}/export.zip`` from a real
``seglab serve`` while sampling the server's resident memory. Prints one JSON object: archive size,
throughput, the server's RSS before and at its peak during the download, the growth as a fraction of
the archive, and whether memory stayed flat (growth under ``FLAT_MB``, however large the archive).
The reference measured in the same run is reading the same image files straight from disk.

    .venv/bin/python benchmarks/zip_download.py [--gb 0.25] [--side 1024] [--format coco]
    .venv/bin/python benchmarks/zip_download.py --gb 2     # the issue's 2 GB version
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import threading
import time
import zipfile
from pathlib import Path

import cv2
import httpx
import numpy as np
import psutil

sys.path.insert(0, str(Path(__file__).parent))
from _serving import seglab_server

FLAT_MB = 64
"""Peak RSS growth allowed during the download: the chunk in flight and buffers, not the archive."""


def generate(folder: Path, gigabytes: float, side: int, seed: int = 0) -> tuple[int, int]:
    """Random-noise PNGs (stored without compression: noise does not compress) totalling ``gigabytes``,
    in a YOLO folder with one square per image; returns (images, bytes)."""
    rng = np.random.default_rng(seed)
    (folder / "images").mkdir(parents=True)
    (folder / "labels").mkdir()
    (folder / "classes.txt").write_text("noise\n")
    total, count = 0, 0
    while total < gigabytes * 1e9:
        pixels = rng.integers(0, 255, (side, side, 3), dtype=np.uint8)
        ok, data = cv2.imencode(".png", pixels, [cv2.IMWRITE_PNG_COMPRESSION, 0])
        assert ok
        (folder / "images" / f"noise{count:05d}.png").write_bytes(data.tobytes())
        (folder / "labels" / f"noise{count:05d}.txt").write_text("0 0.2 0.2 0.6 0.2 0.6 0.6 0.2 0.6\n")
        total += len(data)
        count += 1
    return count, total


def prepare(home: Path, source: Path) -> int:
    """Import the images into project ``bench`` and create a version (no preprocessing); its id."""
    os.environ["SEGLAB_HOME"] = str(home)
    from seglab.services import Workspace, transfer, versions
    from seglab.versions import Recipe

    ws = Workspace()
    try:
        transfer.import_dataset(ws, source, "bench", create_project=True)
        return versions.create_version(ws, "bench", Recipe(seed=0)).id
    finally:
        ws.close()


def disk_read_seconds(files: list[Path]) -> float:
    start = time.perf_counter()
    for file in files:
        with file.open("rb") as handle:
            while handle.read(1 << 20):
                pass
    return time.perf_counter() - start


def download(url: str, server: psutil.Process, out: Path | None) -> dict[str, float]:
    """Stream the archive (to ``out``, or nowhere) while another thread samples the server's RSS."""
    samples: list[int] = []
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            samples.append(server.memory_info().rss)
            time.sleep(0.05)

    before = server.memory_info().rss
    sampler = threading.Thread(target=sample)
    sampler.start()
    received = 0
    start = time.perf_counter()
    sink_path = out if out is not None else Path(os.devnull)
    try:
        with httpx.stream("GET", url, timeout=600) as response, sink_path.open("wb") as sink:
            response.raise_for_status()
            for chunk in response.iter_bytes(1 << 20):
                received += len(chunk)
                sink.write(chunk)
    finally:
        done.set()
        sampler.join()
    seconds = time.perf_counter() - start
    return {"bytes": received, "seconds": seconds, "rss_before": before, "rss_peak": max([before, *samples])}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--gb", type=float, default=0.25, help="gigabytes of images (the issue asks for 2)")
    parser.add_argument("--side", type=int, default=1024, help="image side in pixels (3 bytes a pixel)")
    parser.add_argument("--format", default="coco")
    parser.add_argument("--verify", action="store_true", help="also save the archive and check every member's CRC")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="seglab-zip-bench-") as folder:
        root = Path(folder)
        images, image_bytes = generate(root / "source", args.gb, args.side)
        version_id = prepare(root / "home", root / "source")
        blobs = sorted((root / "source" / "images").iterdir())
        reference = disk_read_seconds(blobs)
        with seglab_server(root / "home", root / "serve.log") as url:
            server = next(p for p in psutil.Process().children() if "serve" in " ".join(p.cmdline()))
            httpx.get(f"{url}/api/v1/versions/{version_id}").raise_for_status()  # warm the app up
            out = root / "download.zip" if args.verify else None
            measured = download(f"{url}/api/v1/versions/{version_id}/export.zip?format={args.format}", server, out)
        if out is not None:
            with zipfile.ZipFile(out) as archive:
                assert archive.testzip() is None
        growth_mb = (measured["rss_peak"] - measured["rss_before"]) / 2**20
        archive_mb = measured["bytes"] / 2**20
        print(
            json.dumps(
                {
                    "images": images,
                    "image_mb": round(image_bytes / 2**20, 1),
                    "archive_mb": round(archive_mb, 1),
                    "format": args.format,
                    "download_seconds": round(measured["seconds"], 2),
                    "download_mb_per_s": round(archive_mb / measured["seconds"], 1),
                    "reference_disk_read_mb_per_s": round(image_bytes / 2**20 / reference, 1),
                    "server_rss_before_mb": round(measured["rss_before"] / 2**20, 1),
                    "server_rss_peak_mb": round(measured["rss_peak"] / 2**20, 1),
                    "server_rss_growth_mb": round(growth_mb, 1),
                    "growth_fraction_of_archive": round(growth_mb / archive_mb, 4),
                    "verified": args.verify,
                    "memory_flat": growth_mb < FLAT_MB,
                },
                indent=2,
            )
        )


if __name__ == "__main__":
    main()
