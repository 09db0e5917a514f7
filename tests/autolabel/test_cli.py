"""``seglab autolabel``: images of a project, a video's frames, a queued job, and the offline error."""

from __future__ import annotations

import json

import huggingface_hub.constants
from typer.testing import CliRunner

from seglab.cli import app

from .conftest import write_scene, write_video

runner = CliRunner()


def _project_with_images(tmp_path) -> None:
    assert runner.invoke(app, ["project", "create", "site"]).exit_code == 0
    paths = [str(write_scene(tmp_path / f"{i}.png", 160 + i, 96)) for i in range(2)]
    assert runner.invoke(app, ["upload", "site", *paths]).exit_code == 0


def test_autolabel_a_project_from_prompts(tiny_detector_home, tmp_path):
    _project_with_images(tmp_path)
    result = runner.invoke(
        app,
        ["autolabel", "site", "--prompt", "square=box", "--prompt", "disc", "--threshold", "0", "--json"],
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["images"] == 2
    assert report["detector"] == "owlv2-base"
    assert report["segmenter"] == "grabcut"
    assert report["annotations"] == sum(report["per_class"].values()) > 0
    assert set(report["created_classes"]) == {"box", "disc"}

    again = runner.invoke(
        app, ["autolabel", "site", "--prompt", "disc", "--images", "1", "--class-threshold", "disc=1"]
    )
    assert again.exit_code == 0, again.output
    # the tiny OWLv2's score saturates at 1 for one box a prompt, which the offline fallback always outlines
    assert "1 annotations on 1 images (disc 1)" in again.stdout


def test_autolabel_a_video_in_the_background(tiny_detector_home, tmp_path):
    assert runner.invoke(app, ["project", "create", "clip"]).exit_code == 0
    video = write_video(tmp_path / "clip.avi")
    result = runner.invoke(
        app, ["autolabel", "clip", "--prompt", "square", "--video", str(video), "--fps", "2", "--background", "--json"]
    )
    assert result.exit_code == 0, result.output
    job = json.loads(result.stdout)
    assert job["kind"] == "assist.autolabel"
    assert len(job["params"]["image_ids"]) == 2  # the frames at 0 s and 0.5 s


def test_offline_without_weights_fails_in_one_line(tmp_path, monkeypatch):
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)
    monkeypatch.setenv("SEGLAB_ASSIST_MODEL", "grabcut")
    _project_with_images(tmp_path)
    result = runner.invoke(app, ["autolabel", "site", "--prompt", "helmet"])
    assert result.exit_code == 1
    reason = result.stderr.splitlines()[-1]
    assert reason.startswith("error: cannot load the owlv2-base detector")
    assert "--detector-weights DIR" in reason
    bad = runner.invoke(app, ["autolabel", "site", "--prompt", "helmet", "--class-threshold", "helmet:0.2"])
    assert bad.exit_code == 1
    assert "--class-threshold takes CLASS=SCORE" in bad.stderr


def test_autolabel_with_sam3_needs_no_segmenter(sam3_folder, tmp_path, monkeypatch):
    """``--detector sam3`` with a SAM 3 model folder: the masks come from SAM 3 itself (tiny random weights: any
    instance is kept with ``--threshold 0``)."""
    monkeypatch.setenv("SEGLAB_ASSIST_MODEL", "grabcut")
    _project_with_images(tmp_path)
    result = runner.invoke(
        app,
        ["autolabel", "site", "--prompt", "cap", "--detector", "sam3", "--detector-weights", str(sam3_folder),
         "--threshold", "0", "--max-instances", "3", "--json"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["detector"] == "sam3"
    assert report["images"] == 2
    assert report["per_class"] == {"cap": report["annotations"]}
    assert 0 < report["annotations"] <= 6
    offline = runner.invoke(app, ["autolabel", "site", "--prompt", "cap", "--detector", "sam3"])
    assert offline.exit_code == 1
    assert "gated under the SAM License" in offline.stderr
