"""Video annotation in the browser: upload a generated video of a moving disc, outline the disc on frame 0,
propagate 20 frames with the offline propagator (a background job on the server's worker), see the proposals on
frame 20, correct frame 10, propagate again from there, accept, interpolate between two keyframes of the track,
propagate "to the next annotated frame", and step and play through the frames."""

from __future__ import annotations

import math
import re
from urllib.parse import urlparse

import httpx
import pytest

from ..videos import write_video

pytestmark = pytest.mark.slow

WIDTH, HEIGHT = 160, 120  # the video; the disc (radius 20) starts at (24, 60) and moves 2 pixels right a frame


def _on_stage(page, x: float, y: float) -> tuple[float, float]:
    """Page coordinates of image pixel (x, y): the editor fits the image to the stage, centred."""
    box = page.get_by_test_id("stage").bounding_box()
    zoom = min(box["width"] / WIDTH, box["height"] / HEIGHT)
    return (
        box["x"] + (box["width"] - WIDTH * zoom) / 2 + x * zoom,
        box["y"] + (box["height"] - HEIGHT * zoom) / 2 + y * zoom,
    )


def test_annotate_propagate_correct_propagate_again_and_accept(page, working_server, tmp_path):
    from playwright.sync_api import expect

    base = working_server
    httpx.post(f"{base}/api/v1/projects", json={"name": "clip", "categories": ["disc"]}).raise_for_status()
    video = write_video(tmp_path / "clip.mp4", frames=24, size=(WIDTH, HEIGHT), fps=10)

    page.goto(f"{base}/projects/clip")
    page.get_by_label("video fps").fill("10")
    page.get_by_label("upload").set_input_files(str(video))
    expect(page.get_by_test_id("upload-report")).to_contain_text("added 24 images")
    page.get_by_label("video filter").select_option(label="clip.mp4 (24 frames)")  # the grid: this video's frames
    page.get_by_alt_text("clip_000000.jpg").click()
    expect(page.get_by_test_id("frame-position")).to_have_text("clip.mp4 · frame 1 / 24")

    # frame 0: outline the disc with the polygon tool (the default)
    for step in range(10):
        angle = 2 * math.pi * step / 10
        page.mouse.click(*_on_stage(page, 24 + 22 * math.cos(angle), 60 + 22 * math.sin(angle)))
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("message")).to_have_text("saved")
    expect(page.get_by_test_id("frame-0")).to_have_attribute("data-mark", "annotated")

    page.get_by_label("frames to propagate").fill("20")
    page.get_by_role("button", name="propagate", exact=True).click()
    expect(page.get_by_test_id("message")).to_have_text(
        "propagated: 20 proposals on 20 frames (0 unreviewed replaced)", timeout=60_000
    )
    expect(page.get_by_test_id("frame-20")).to_have_attribute("data-mark", "pending")
    expect(page.get_by_test_id("frame-21")).to_have_attribute("data-mark", "empty")

    page.get_by_test_id("frame-20").click()
    expect(page.get_by_test_id("frame-position")).to_have_text("clip.mp4 · frame 21 / 24")
    expect(page.get_by_test_id("annotations")).to_contain_text("disc propagated")

    # frame 10: correct the proposal (move it a little with the select tool): it becomes a person's
    page.get_by_test_id("frame-10").click()
    expect(page.get_by_test_id("frame-position")).to_have_text("clip.mp4 · frame 11 / 24")
    page.keyboard.press("v")
    start = _on_stage(page, 44, 60)
    page.mouse.move(*start)
    page.mouse.down()
    page.mouse.move(start[0] + 6, start[1] + 3, steps=3)
    page.mouse.up()
    expect(page.get_by_test_id("annotations")).to_contain_text("disc drawn")
    expect(page.get_by_test_id("frame-10")).to_have_attribute("data-mark", "annotated")

    page.get_by_label("frames to propagate").fill("10")
    page.get_by_role("button", name="propagate", exact=True).click()
    expect(page.get_by_test_id("message")).to_have_text(
        "propagated: 10 proposals on 10 frames (10 unreviewed replaced)", timeout=60_000
    )

    # → steps one frame; accept the proposal on frame 20
    page.get_by_test_id("frame-19").click()
    expect(page.get_by_test_id("frame-position")).to_have_text("clip.mp4 · frame 20 / 24")
    page.keyboard.press("ArrowRight")
    expect(page.get_by_test_id("frame-position")).to_have_text("clip.mp4 · frame 21 / 24")
    page.get_by_role("button", name=re.compile(r"^accept \d+$")).click()
    expect(page.get_by_test_id("annotations")).to_contain_text("✓")
    expect(page.get_by_test_id("frame-20")).to_have_attribute("data-mark", "annotated")

    # accepting makes the proposal a person's (as for label assist), on the same track
    shown = urlparse(page.url).path.rsplit("/", 1)[1]  # the URL keeps the grid's filter: `?video=1`
    frame_20 = httpx.get(f"{base}/api/v1/images/{shown}/annotations").json()
    first = httpx.get(f"{base}/api/v1/projects/clip/images", params={"limit": 1}).json()["items"][0]
    seed = httpx.get(f"{base}/api/v1/images/{first['id']}/annotations").json()[0]
    assert [(a["source"], a["attributes"].get("accepted"), a["track_id"]) for a in frame_20] == [
        ("manual", True, seed["track_id"])
    ]

    # frames 10 (corrected) and 20 (accepted) are keyframes of the track: interpolation fills the frames between
    page.get_by_test_id("frame-10").click()
    expect(page.get_by_test_id("frame-position")).to_have_text("clip.mp4 · frame 11 / 24")
    page.keyboard.press("Tab")  # selects the frame's annotation
    page.get_by_role("button", name="interpolate", exact=True).click()
    expect(page.get_by_test_id("message")).to_have_text("interpolated: 9 proposals on 9 frames (9 unreviewed replaced)")

    # "to the next annotated frame": from frame 20, nothing annotated after it, so up to the video's end
    page.get_by_test_id("frame-20").click()
    expect(page.get_by_test_id("frame-position")).to_have_text("clip.mp4 · frame 21 / 24")
    page.get_by_label("how far").select_option("next")
    page.get_by_role("button", name="propagate", exact=True).click()
    expect(page.get_by_test_id("message")).to_have_text(
        "propagated: 3 proposals on 3 frames (0 unreviewed replaced)", timeout=60_000
    )
    expect(page.get_by_test_id("frame-23")).to_have_attribute("data-mark", "pending")

    # playback runs to the last frame and stops
    page.get_by_role("button", name="▶ play").click()
    expect(page.get_by_test_id("frame-position")).to_have_text("clip.mp4 · frame 24 / 24")
    expect(page.get_by_role("button", name="▶ play")).to_be_visible()
