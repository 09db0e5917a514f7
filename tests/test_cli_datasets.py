"""``seglab inspect`` and ``seglab convert`` as a user runs them: real files, exit codes, no tracebacks."""

import json

import pytest
from typer.testing import CliRunner

from seglab.cli import app

from .formats.conftest import build_dataset
from .formats.test_coco import SQUARE, _document, _write_coco

runner = CliRunner()


@pytest.fixture
def coco_folder(tmp_path):
    from seglab.formats import save_dataset

    save_dataset(build_dataset(tmp_path / "src"), tmp_path / "coco", format="coco")
    return tmp_path / "coco"


def test_inspect_json_summary(coco_folder):
    result = runner.invoke(app, ["inspect", str(coco_folder), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["format"] == "coco"
    assert (report["images"], report["annotations"]) == (3, 5)
    assert report["splits"] == {"test": 1, "train": 1, "valid": 1}
    # COCO stores the instance with a hole as RLE (its polygons cannot express holes), and RLE is read as is
    assert report["shapes"] == {"polygon": 3, "rle": 2, "multi_part": 1, "with_holes": 0, "crowd": 1}
    assert {c["name"]: c["annotations"] for c in report["categories"]} == {"cat": 2, "dog": 2, "bird": 1}
    assert report["problem_counts"] == {"error": 0, "warning": 0, "info": 0}


def test_inspect_finds_truncated_images(coco_folder):
    image = coco_folder / "train/img0.png"
    image.write_bytes(image.read_bytes()[:200])
    result = runner.invoke(app, ["inspect", str(coco_folder), "--json"])
    assert result.exit_code == 0
    problems = json.loads(result.output)["problems"]
    assert any("truncated" in p["message"] and p["location"] == "image 0" for p in problems), problems


def test_inspect_human_output_lists_problems(tmp_path):
    path = _write_coco(
        tmp_path / "d",
        _document([{"id": 8, "image_id": 0, "category_id": 3, "segmentation": SQUARE}]),
        {"a.png": (40, 30)},
    )
    result = runner.invoke(app, ["inspect", str(path)], env={"COLUMNS": "300"})
    assert result.exit_code == 0
    assert "1 errors" in result.output
    assert "annotation 8: category id 3" in result.output


def test_strict_inspect_fails_with_one_line(tmp_path):
    path = _write_coco(
        tmp_path / "d",
        _document([{"id": 8, "image_id": 0, "category_id": 3, "segmentation": SQUARE}]),
        {"a.png": (40, 30)},
    )
    result = runner.invoke(app, ["inspect", str(path), "--strict"])
    assert result.exit_code == 1
    assert result.output.count("\n") == 1
    assert result.output.startswith("error: ")
    assert "annotation 8" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


@pytest.mark.parametrize("to", ["yolo", "labelme", "coco", "sa1b"])
def test_convert_writes_a_readable_dataset(coco_folder, tmp_path, to):
    out = tmp_path / "out"
    result = runner.invoke(app, ["convert", str(coco_folder), str(out), "--to", to, "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert (summary["source_format"], summary["output_format"], summary["annotations"]) == ("coco", to, 5)
    again = json.loads(runner.invoke(app, ["inspect", str(out), "--json"]).output)
    assert again["format"] == to
    assert again["annotations"] == 5


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["inspect", "/no/such/place"], "no such file or folder"),
        (["convert", "/no/such/place", "OUT", "--to", "yolo"], "no such file or folder"),
        (["convert", "SRC", "OUT", "--to", "voc"], "cannot write format 'voc'"),
        (["inspect", "SRC", "--from", "pascal"], "unknown format 'pascal'"),
    ],
)
def test_errors_are_one_line_without_traceback(coco_folder, tmp_path, arguments, message):
    arguments = [str(coco_folder) if a == "SRC" else str(tmp_path / "o") if a == "OUT" else a for a in arguments]
    result = runner.invoke(app, arguments)
    assert result.exit_code == 1
    assert message in result.output
    assert "Traceback" not in result.output


def _yolo_without_yaml(root):
    from .formats.conftest import write_image

    for name in ("a", "b"):
        write_image(root / "images" / f"{name}.png")
        (root / "labels").mkdir(parents=True, exist_ok=True)
        (root / "labels" / f"{name}.txt").write_text("1 0.1 0.1 0.5 0.1 0.5 0.5\n")
    return root


def test_names_option_for_a_yolo_folder_without_yaml(tmp_path, seglab_home):
    root = _yolo_without_yaml(tmp_path / "yolo")
    report = json.loads(runner.invoke(app, ["inspect", str(root), "--names", "cat, dog", "--json"]).output)
    assert (report["format"], [c["name"] for c in report["categories"]]) == ("yolo", ["cat", "dog"])
    converted = runner.invoke(app, ["convert", str(root), str(tmp_path / "cvat"), "--to", "cvat", "--names", "x,y"])
    assert converted.exit_code == 0, converted.output
    assert "<name>y</name>" in (tmp_path / "cvat/annotations.xml").read_text()
    imported = runner.invoke(app, ["import", str(root), "-p", "farm", "--create", "--names", "hen,cow", "--json"])
    assert imported.exit_code == 0, imported.output
    assert json.loads(imported.output)["categories_created"] == ["hen", "cow"]


def test_one_instance_per_class_option_and_options_a_format_does_not_take(tmp_path):
    import numpy as np
    from PIL import Image

    from .formats.conftest import write_image

    write_image(tmp_path / "masks/a.jpg")
    values = np.zeros((64, 96), dtype=np.uint8)
    values[5:10, 5:10] = values[30:40, 50:60] = 1
    Image.fromarray(values).save(tmp_path / "masks/a_mask.png")
    masks = str(tmp_path / "masks")
    split = json.loads(runner.invoke(app, ["inspect", masks, "--json"]).output)
    whole = json.loads(runner.invoke(app, ["inspect", masks, "--one-instance-per-class", "--json"]).output)
    assert (split["format"], split["annotations"], whole["annotations"]) == ("mask-png-semantic", 2, 1)
    runner.invoke(app, ["convert", masks, str(tmp_path / "coco"), "--to", "coco"])
    refused = runner.invoke(app, ["inspect", str(tmp_path / "coco"), "--names", "a"])
    assert refused.exit_code == 1
    assert "the coco reader does not take names" in refused.output
