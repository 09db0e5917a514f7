"""Uploading in the browser: files dropped on the project page (images, a zip, a video), with the upload's report."""

from __future__ import annotations

import base64
import io
import re
import zipfile
from pathlib import Path

import cv2
import httpx
import numpy as np
import pytest

pytestmark = pytest.mark.slow


def _png(seed: int) -> bytes:
    pixels = np.random.default_rng(seed).integers(0, 255, (48, 64, 3), dtype=np.uint8)
    return cv2.imencode(".png", pixels)[1].tobytes()


def _video(path: Path) -> bytes:
    """Three seconds at 10 fps, each frame a different grey (so no two frames are duplicates)."""
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 10.0, (64, 48))
    for index in range(30):
        writer.write(np.full((48, 64, 3), index * 8, dtype=np.uint8))
    writer.release()
    return path.read_bytes()


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_drop_images_a_zip_and_a_video_and_see_what_came_in(page, shared_server, unique_name, tmp_path):
    from playwright.sync_api import expect

    httpx.post(
        f"{shared_server}/api/v1/projects", json={"name": unique_name, "categories": ["thing"]}
    ).raise_for_status()
    dropped = {
        "loose.png": _png(1),
        "photos.zip": _zip({"shots/a.png": _png(2), "shots/b.png": _png(3), "shots/broken.png": b"not an image"}),
        "clip.avi": _video(tmp_path / "clip.avi"),
        "again.png": _png(2),  # the same bytes as a zip member: a duplicate
    }

    page.goto(f"{shared_server}/projects/{unique_name}")
    page.get_by_label("video fps").fill("2")
    # a real drop: a DataTransfer holding File objects, dispatched on the drop zone as the browser would
    transfer = page.evaluate_handle(
        """(files) => {
            const transfer = new DataTransfer();
            for (const [name, data] of files) {
                const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
                transfer.items.add(new File([bytes], name));
            }
            return transfer;
        }""",
        [[name, base64.b64encode(data).decode()] for name, data in dropped.items()],
    )
    page.locator(".dropzone").dispatch_event("drop", {"dataTransfer": transfer})

    report = page.get_by_test_id("upload-report")
    # 1 loose + 2 from the zip + 6 frames (3 s at 2 fps); the repeated image is skipped, the broken one named
    expect(report).to_contain_text("added 9 images")
    expect(report).to_contain_text("1 duplicate already in the project, skipped")
    expect(report.get_by_role("alert")).to_contain_text(re.compile(r"photos\.zip/shots/broken\.png: .+"))

    listed = httpx.get(f"{shared_server}/api/v1/projects/{unique_name}/images", params={"limit": 100}).json()
    assert listed["total"] == 9
    names = sorted(image["file_name"] for image in listed["items"])
    assert names[:3] == ["a.png", "b.png", "clip_000000.jpg"]
    assert sum(name.startswith("clip_") for name in names) == 6
    expect(page.locator(".grid img")).to_have_count(9)  # the grid shows them without a reload
    # the video's frames are grouped under a header naming it, with its rate and how far its labelling has come
    header = page.get_by_role("heading", name=re.compile(r"clip\.avi"))
    expect(header).to_have_text(
        re.compile(r"▶ clip\.avi\s*6 frames\s*2 fps \(source 10 fps\)\s*0 annotated\s*0 reviewed")
    )
