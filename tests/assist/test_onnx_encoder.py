"""SAM 2.1's image encoder on ONNX Runtime (seglab.assist.encoder_export, encoder_runtime): the embedding is
PyTorch's, INT8 is kept or refused by the check at export, a click through Smart Polygon outlines the same object
whichever encoder runs, an export is made once per weights (``seglab assist prepare-encoder`` ahead of time, or a
long-lived process in a low-priority child process; never a one-shot command), and a failed export leaves PyTorch in
charge. SAM 2.1 Hiera-Tiny with random weights (no checkpoint can be downloaded here), exported once for the module
by the command (a minute of CPU)."""

from __future__ import annotations

import json
import logging
import os
import shutil
import threading
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pytest
from filelock import FileLock

from seglab.assist import ASSIST_MODELS, Prompt
from seglab.assist.encoder_export import OnnxEncoder, load_check, prepare_encoder
from seglab.assist.encoder_runtime import EncoderSwitch, choose
from seglab.geometry import mask_iou
from seglab.services import assist as assist_service
from seglab.services.assist import list_models, smart_polygon

from .conftest import scene, tiny_random_sam2

pytestmark = pytest.mark.slow
MODEL = ASSIST_MODELS["sam2.1-hiera-tiny"]
WAIT_S = 900  # an export under way on a loaded CPU


def _prepare_command(checkpoint: Path, encoders: Path, *extra: str):
    from typer.testing import CliRunner

    from seglab.cli import app

    command = ["assist", "prepare-encoder", MODEL.name, "--weights", str(checkpoint), "--scenes", "1"]
    result = CliRunner().invoke(app, [*command, "--encoders", str(encoders), *extra])
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.fixture(scope="module")
def exported(tmp_path_factory, checkpoint):
    """The export of the random-weight SAM 2.1's encoder (checked on one scene) by ``seglab assist prepare-encoder``,
    and the steps it printed (one a line where the output is not a terminal)."""
    encoders = tmp_path_factory.mktemp("encoders")
    with pytest.MonkeyPatch.context() as environment:
        environment.setenv("SEGLAB_HOME", str(tmp_path_factory.mktemp("home")))
        printed = _prepare_command(checkpoint, encoders).splitlines()
    assert printed[-1].startswith(f"{MODEL.name}: exported to {encoders / MODEL.name}")
    files = load_check(next((encoders / MODEL.name).glob("*/check.json")).parent)
    assert files is not None
    return files, printed[:-1]


@pytest.fixture
def sam2():
    """The shared tiny SAM 2.1, given back with PyTorch's encoder to the tests after this one."""
    segmenter = tiny_random_sam2()
    yield segmenter
    segmenter.encoder = None


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory) -> Path:
    import torch

    path = tmp_path_factory.mktemp("weights") / "sam2.1_hiera_tiny.pt"
    torch.save({"model": tiny_random_sam2().predictor.model.state_dict()}, path)
    return path


def _linked_copy(files, home: Path) -> Path:
    """The export, in ``home``'s encoder cache as an earlier run would have left it (hard links: no copying)."""
    target = home / "encoders" / MODEL.name / files.folder.name
    shutil.copytree(files.folder, target, copy_function=os.link)
    return target


def test_the_onnx_embedding_is_pytorchs(exported, sam2):
    files, steps = exported
    assert steps == ["exporting to ONNX (1/3)", "quantizing to INT8 (2/3)", "checking scene 1/1 (3/3)"]
    pixels, _ = scene(320, 240)
    reference = sam2.embed_torch(pixels)
    ours = sam2.embed_with(OnnxEncoder(files.path("onnx"), "onnx"), pixels)
    assert ours.image_wh == reference.image_wh == (320, 240)
    assert ours.tensors.keys() == reference.tensors.keys() == {"image_embed", "high_res_0", "high_res_1"}
    for name, expected in reference.tensors.items():
        got = ours.tensors[name]
        assert got.shape == expected.shape
        assert got.dtype == expected.dtype == np.float32
        assert np.linalg.norm(got - expected) / np.linalg.norm(expected) < 1e-3, name


def test_the_check_keeps_int8_and_a_strict_threshold_refuses_it(exported, sam2, tmp_path):
    files, _ = exported
    check = files.check
    assert check.onnx_iou >= 0.98
    assert check.int8_iou >= 0.98
    assert check.int8_passed
    assert set(check.seconds) == {"torch", "onnx", "onnx-int8"}
    assert choose(check, "auto", 0.98)[0] == min(check.seconds, key=check.seconds.__getitem__)
    assert check.int8_iou < 1.0  # quantizing moved some pixels: an IoU of 1 cannot be met

    _linked_copy(files, tmp_path)
    strict = EncoderSwitch(tmp_path / "encoders", "auto", 1.0)
    strict.attach(sam2)
    status = strict.wait(MODEL.name, WAIT_S)
    assert status is not None
    assert status.runtime != "onnx-int8"
    assert "INT8 refused" in status.note
    assert sam2.encoder is None or sam2.encoder.name == "onnx"


def test_an_export_is_made_once_and_a_second_exporter_waits_for_the_first(exported, sam2, tmp_path):
    files, _ = exported
    made = {path.name: path.stat().st_mtime_ns for path in files.folder.glob("*.onnx")}
    again: list[str] = []
    assert prepare_encoder(sam2, files.folder.parent, min_iou=0.98, progress=again.append) == files
    assert again == []
    assert made == {path.name: path.stat().st_mtime_ns for path in files.folder.glob("*.onnx")}

    # another process exporting into the same folder holds its lock and has not written check.json yet
    target = _linked_copy(files, tmp_path)
    (target / "check.json").unlink()
    other = FileLock(str(target / "export.lock"))
    other.acquire()
    answers: list[object] = []
    waiting = threading.Thread(
        target=lambda: answers.append(prepare_encoder(sam2, target.parent, min_iou=0.98, progress=again.append))
    )
    waiting.start()
    waiting.join(timeout=1.0)
    assert waiting.is_alive()
    assert again == []
    shutil.copyfile(files.folder / "check.json", target / "check.json")
    other.release()
    waiting.join(WAIT_S)
    assert answers
    assert answers[0].check == files.check
    assert again == []


def test_a_click_through_smart_polygon_outlines_the_same_object_with_each_encoder(
    exported, checkpoint, ws, ellipse_image
):
    files, _ = exported
    image_id, _ = ellipse_image
    _linked_copy(files, ws.settings.home)
    ws.settings.assist_weights = checkpoint
    masks = {}
    for setting in ("torch", "onnx", "onnx-int8"):
        shutil.rmtree(ws.settings.home / "embeddings", ignore_errors=True)  # each encoder embeds the image anew
        ws.settings.sam_encoder = setting
        smart = smart_polygon(ws, default_model=MODEL.name)
        smart.segmenter(MODEL)  # loads the checkpoint; the encoder moves in the background
        status = smart.encoders.wait(MODEL.name, WAIT_S)
        assert status is not None
        assert status.runtime == setting, status
        listed = {m.name: m for m in list_models(smart)}[MODEL.name]
        assert (listed.encoder, listed.encoder_note) == (status.runtime, status.note)
        result = smart.segment(image_id, Prompt.of([[500, 400]], [1]), detail=1.0, as_rle=True)
        smart.close()
        assert result.rle is not None
        assert result.area > 0
        masks[setting] = result.rle.to_mask()
    assert mask_iou(masks["onnx"], masks["torch"]) >= 0.98
    assert mask_iou(masks["onnx-int8"], masks["torch"]) >= 0.98

    ws.settings.sam_encoder = "auto"  # a process that has not loaded the model lists what the check chose
    fresh = smart_polygon(ws, default_model=MODEL.name)
    listed = {m.name: m for m in list_models(fresh)}[MODEL.name]
    fresh.close()
    assert listed.encoder == choose(files.check, "auto", 0.98)[0]
    assert listed.encoder_note.startswith("when loaded; auto: the fastest whose masks matched")


def test_a_failed_export_leaves_smart_polygon_on_pytorch(checkpoint, ws, ellipse_image, caplog, monkeypatch):
    image_id, _ = ellipse_image
    (ws.settings.home / "encoders").write_text("not a folder")  # the export cannot write its files
    ws.settings.sam_encoder = "auto"
    ws.settings.assist_weights = checkpoint
    monkeypatch.setattr(assist_service, "_long_lived", False)
    assist_service.export_encoders_in_background()  # as seglab serve and seglab worker do: the export is a child's
    smart = smart_polygon(ws, default_model=MODEL.name)
    with caplog.at_level(logging.WARNING, logger="seglab.assist.encoder_runtime"):
        smart.segmenter(MODEL)
        status = smart.encoders.wait(MODEL.name, WAIT_S)
    assert status is not None
    assert status.runtime == "torch"
    assert "ONNX export failed" in status.note
    assert "prepare-encoder sam2.1-hiera-tiny` exited with 1" in status.note  # the child's own error follows
    assert "stays on PyTorch" in caplog.text
    result = smart.segment(image_id, Prompt.of([[500, 400]], [1]))
    smart.close()
    assert result.model == MODEL.name
    assert result.area > 0


def test_prepare_encoder_again_reuses_the_export(exported, checkpoint, monkeypatch):
    files, _ = exported
    monkeypatch.setenv("SEGLAB_SAM_ENCODER", "auto")
    made = {path.name: path.stat().st_mtime_ns for path in files.folder.glob("*.onnx")}
    again = json.loads(_prepare_command(checkpoint, files.folder.parent.parent, "--json"))
    assert again["folder"] == str(files.folder)
    assert again["check"] == asdict(files.check)
    assert again["runs"].startswith(f"{choose(files.check, 'auto', 0.98)[0]}: auto: the fastest whose masks matched")
    assert made == {path.name: path.stat().st_mtime_ns for path in files.folder.glob("*.onnx")}
    assert json.loads((files.folder.parent / "weights.json").read_text())["digest"] == files.check.digest
    text = _prepare_command(checkpoint, files.folder.parent.parent)
    assert text.strip().startswith(f"{MODEL.name}: already exported to {files.folder}")


def test_a_one_shot_command_starts_no_export_and_uses_one_made_ahead(
    exported, checkpoint, ws, ellipse_image, monkeypatch
):
    from typer.testing import CliRunner

    from seglab.cli import app

    image_id, _ = ellipse_image
    monkeypatch.setattr(assist_service, "_long_lived", False)
    monkeypatch.setenv("SEGLAB_SAM_ENCODER", "auto")
    monkeypatch.setenv("SEGLAB_ASSIST_WEIGHTS", str(checkpoint))
    monkeypatch.setenv("SEGLAB_ASSIST_MODEL", MODEL.name)
    segment = ["assist", "segment", str(image_id), "--point", "500,400"]
    result = CliRunner().invoke(app, segment)
    assert result.exit_code == 0, result.output
    assert not (ws.settings.home / "encoders").exists()  # no export begun, in this process or another
    assert not [thread for thread in threading.enumerate() if thread.name.startswith("encoder-export")]

    _linked_copy(exported[0], ws.settings.home)  # made ahead: the next one-shot command runs it
    result = CliRunner().invoke(app, segment)
    assert result.exit_code == 0, result.output
    listed = json.loads(CliRunner().invoke(app, ["assist", "models", "--json"]).stdout)
    encoder = next(model for model in listed if model["name"] == MODEL.name)
    assert encoder["encoder"] == choose(exported[0].check, "auto", 0.98)[0]
    assert encoder["encoder_note"].startswith("when loaded; auto: the fastest whose masks matched")


def test_serve_exports_in_the_background_and_one_shot_commands_do_not(ws, monkeypatch):
    from seglab.server.app import create_app

    monkeypatch.setattr(assist_service, "_long_lived", False)
    assert not smart_polygon(ws).encoders.background_export
    app = create_app(ws.settings)
    assert app.state.smart_polygon.encoders.background_export
    assert smart_polygon(ws).encoders.background_export  # and every Smart Polygon the process opens from then on


def test_an_export_that_does_not_load_leaves_pytorch(exported, sam2, tmp_path, caplog):
    files, _ = exported
    broken = tmp_path / "encoders" / MODEL.name / files.folder.name
    shutil.copytree(files.folder, broken)
    for variant in ("onnx", "onnx-int8"):
        (broken / f"{variant}.onnx").write_bytes(b"not an ONNX model")
    switch = EncoderSwitch(tmp_path / "encoders", "onnx", 0.98)
    with caplog.at_level(logging.WARNING, logger="seglab.assist.encoder_runtime"):
        switch.attach(sam2)
    status = switch.status(MODEL.name)
    assert status is not None
    assert status.runtime == "torch"
    assert "the ONNX export did not load" in status.note
    assert "did not load" in caplog.text
    assert sam2.encoder is None
