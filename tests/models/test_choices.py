"""The Train page's model list says which pretrained checkpoints are already on this machine (offline, only those
can be trained from without ticking "Start from random weights")."""

from __future__ import annotations

from seglab.models.catalog import ARCHITECTURES
from seglab.models.choices import model_choices
from seglab.models.yolo import YOLO_ARCHITECTURES


def test_each_choice_says_whether_its_checkpoint_is_in_the_weights_folder(tmp_path):
    (tmp_path / ARCHITECTURES["rfdetr-seg-nano"].weights_file).write_bytes(b"checkpoint")
    (tmp_path / YOLO_ARCHITECTURES["yolo11n-seg"].weights_file).write_bytes(b"checkpoint")
    here = {choice.name for choice in model_choices(tmp_path) if choice.pretrained_here}
    assert here == {"rfdetr-seg-nano", "yolo11n-seg"}
    assert not any(choice.pretrained_here for choice in model_choices())
    assert not any(choice.pretrained_here for choice in model_choices(tmp_path / "missing"))
