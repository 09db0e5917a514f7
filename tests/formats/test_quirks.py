"""Datasets as people really have them: generated examples of each quirk, read without tracebacks."""

import base64
import io
import json

import numpy as np
import pytest
from PIL import Image

from seglab.formats import FormatError, Severity, detect_format, load_coco, load_dataset, load_labelme, load_yolo

from .conftest import HEIGHT, WIDTH, write_image

TRIANGLE = "0.1 0.1 0.5 0.1 0.5 0.5"


def _errors(result):
    return [p for p in result.problems if p.severity is Severity.ERROR]


# --- YOLO without data.yaml -------------------------------------------------------------------


def _yolo_without_yaml(root, layout="flat"):
    """Two images whose labels use class ids 0 and 2, in one of the layouts people keep."""
    for split, name in (("train", "a"), ("val", "b")):
        images, labels = {
            "flat": (root / "images", root / "labels"),
            "images-split": (root / "images" / split, root / "labels" / split),
            "split-images": (root / split / "images", root / split / "labels"),
        }[layout]
        write_image(images / f"{name}.png")
        labels.mkdir(parents=True, exist_ok=True)
        (labels / f"{name}.txt").write_text(f"0 {TRIANGLE}\n2 {TRIANGLE}\n")
    return root


@pytest.mark.parametrize(
    ("layout", "splits"),
    [("flat", {"unassigned"}), ("images-split", {"train", "valid"}), ("split-images", {"train", "valid"})],
)
def test_yolo_folder_without_yaml_is_detected_with_class_n_names(tmp_path, layout, splits):
    root = _yolo_without_yaml(tmp_path / "d", layout)
    assert detect_format(root)[0] == "yolo"
    result = load_dataset(root)
    assert _errors(result) == []
    assert [c.name for c in result.dataset.categories] == ["class_0", "class_1", "class_2"]
    assert {i.split.value for i in result.dataset.images} == splits
    assert len(result.dataset.annotations) == 4
    assert [p.message for p in result.problems] == ["classes 0…2 have no name: called class_N (pass names to rename)"]


def test_yolo_class_names_from_classes_txt_and_from_the_names_option(tmp_path):
    root = _yolo_without_yaml(tmp_path / "d")
    (root / "classes.txt").write_text("cat\ndog\nbird\n")
    assert [c.name for c in load_yolo(root).dataset.categories] == ["cat", "dog", "bird"]
    renamed = load_dataset(root, options={"names": ["x", "y", "z"]})
    assert [c.name for c in renamed.dataset.categories] == ["x", "y", "z"]
    counts = renamed.dataset.annotation_counts()
    assert {renamed.dataset.category(i).name: n for i, n in counts.items() if n} == {"x": 2, "z": 2}


def test_reader_options_a_format_does_not_take_are_refused(tmp_path):
    root = _yolo_without_yaml(tmp_path / "d")
    with pytest.raises(FormatError, match="does not take one_instance_per_class"):
        load_dataset(root, options={"one_instance_per_class": True})


def test_a_missing_split_folder_is_a_warning_and_the_rest_is_read(tmp_path):
    root = _yolo_without_yaml(tmp_path / "d", "split-images")
    (root / "data.yaml").write_text(
        "train: ../train/images\nval: ../val/images\ntest: ../test/images\nnames: [a, b, c]\n"
    )
    result = load_yolo(root)
    assert [(p.severity, p.location) for p in result.problems] == [(Severity.WARNING, "../test/images")]
    assert "split folder or list not found" in result.problems[0].message
    assert len(result.dataset) == 2


@pytest.mark.parametrize("entry", ["/etc", "../../../elsewhere/images"])
def test_a_split_path_out_of_the_dataset_is_an_error_naming_data_yaml(tmp_path, entry):
    root = _yolo_without_yaml(tmp_path / "d", "split-images")
    (tmp_path / "elsewhere/images").mkdir(parents=True)
    (root / "data.yaml").write_text(f"train: {entry}\nval: ../val/images\nnames: [a, b, c]\n")
    result = load_yolo(root)
    [error] = [p for p in _errors(result) if p.file.endswith("data.yaml")]
    assert error.location == entry
    assert "leads outside the dataset folder" in error.message
    assert len(result.dataset) == 1  # val is read; train's labels are reported as having no image


def test_yaml_aliases_are_refused_with_the_line(tmp_path):
    (tmp_path / "data.yaml").write_text("base: &names [a, b]\nnames: *names\n")
    with pytest.raises(FormatError, match=r"data\.yaml, line 2: malformed YAML \(YAML aliases are not allowed"):
        load_yolo(tmp_path)


def test_a_label_file_that_is_not_utf8_is_an_error_naming_file_and_line(tmp_path):
    root = _yolo_without_yaml(tmp_path / "d")
    (root / "labels/a.txt").write_bytes(f"0 {TRIANGLE}\n1 0.1 0.2 \xff\xfe\n".encode("latin-1"))
    result = load_yolo(root)
    [error] = _errors(result)
    assert error.file.endswith("labels/a.txt")
    assert error.location == "line 2"
    assert "not UTF-8" in error.message
    assert len(result.dataset) == 2  # the image stays, without the unreadable labels


# --- LabelMe as written in the wild ----------------------------------------------------------------


def _png_base64(width=WIDTH, height=HEIGHT) -> str:
    buffer = io.BytesIO()
    Image.fromarray(np.full((height, width, 3), 90, dtype=np.uint8)).save(buffer, format="PNG")
    return base64.b64encode(buffer.getvalue()).decode()


LEGACY_SHAPE = {"label": "leaf", "line_color": None, "fill_color": None, "points": [[10, 10], [40, 10], [40, 30]]}


def test_legacy_labelme_with_only_image_data(tmp_path):
    """LabelMe 3.x: no shape_type, no imageWidth/imageHeight, imagePath naming a file that is not there."""
    document = {
        "flags": {},
        "shapes": [LEGACY_SHAPE],
        "lineColor": [0, 255, 0, 128],
        "fillColor": [255, 0, 0, 128],
        "imagePath": "C:\\Users\\someone\\Desktop\\photo.png",
        "imageData": _png_base64(),
    }
    (tmp_path / "photo.json").write_text(json.dumps(document))
    assert detect_format(tmp_path)[0] == "labelme"
    result = load_labelme(tmp_path)
    assert _errors(result) == []
    [image] = result.dataset.images
    assert (image.file_name, image.width, image.height) == ("photo.png", WIDTH, HEIGHT)
    assert image.path.is_file()
    assert result.dataset.annotations[0].area == 300  # the 30x20 right triangle, a polygon
    assert any("leads outside the dataset; not followed" in p.message for p in result.problems)


def test_labelme_falls_back_to_its_own_stem(tmp_path):
    write_image(tmp_path / "x.JPG")
    document = {"shapes": [LEGACY_SHAPE], "imagePath": "renamed-since.png", "imageData": None}
    (tmp_path / "x.json").write_text(json.dumps(document))
    result = load_labelme(tmp_path)
    assert result.problems == []
    assert result.dataset.images[0].path == tmp_path / "x.JPG"


@pytest.mark.parametrize("image_path", ["../../outside.png", "/etc/outside.png"])
def test_labelme_never_follows_an_image_path_out_of_the_dataset(tmp_path, image_path):
    write_image(tmp_path / "outside.png")
    root = tmp_path / "a" / "b"
    root.mkdir(parents=True)
    (root / "x.json").write_text(json.dumps({"shapes": [LEGACY_SHAPE], "imagePath": image_path}))
    result = load_labelme(root)
    [error] = _errors(result)
    assert error.file == str(root / "x.json")
    assert "leads outside the dataset (not followed)" in error.message
    assert len(result.dataset) == 0


def test_labelme_size_that_disagrees_with_the_pixels(tmp_path):
    write_image(tmp_path / "fits.png")
    write_image(tmp_path / "overflows.png")
    far = {**LEGACY_SHAPE, "points": [[10, 10], [150, 10], [150, 90]]}
    for name, shape in (("fits", LEGACY_SHAPE), ("overflows", far)):
        document = {"shapes": [shape], "imagePath": f"{name}.png", "imageWidth": 200, "imageHeight": 100}
        (tmp_path / f"{name}.json").write_text(json.dumps(document))
    result = load_labelme(tmp_path)
    by_file = {p.file.rsplit("/", 1)[1]: p for p in result.problems}
    assert by_file["fits.json"].severity is Severity.WARNING
    assert f"say 200x100, fits.png is {WIDTH}x{HEIGHT}" in by_file["fits.json"].message
    assert by_file["overflows.json"].severity is Severity.ERROR
    assert "reach 150,90" in by_file["overflows.json"].message
    assert [(i.file_name, i.resolution_wh) for i in result.dataset.images] == [("fits.png", (WIDTH, HEIGHT))]


@pytest.mark.parametrize("width", ["96", True, 96.5])
def test_labelme_sizes_must_be_integers(tmp_path, width):
    write_image(tmp_path / "a.png")
    document = {"shapes": [], "imagePath": "a.png", "imageWidth": width, "imageHeight": HEIGHT}
    (tmp_path / "a.json").write_text(json.dumps(document))
    result = load_labelme(tmp_path)
    assert "imageWidth/imageHeight must be integers" in _errors(result)[0].message
    assert len(result.dataset) == 0


# --- COCO checked against the pixels -----------------------------------------------------------------


def _coco(folder, images, annotations):
    folder.mkdir(parents=True, exist_ok=True)
    write_image(folder / "a.png")
    document = {"images": images, "categories": [{"id": 1, "name": "cat"}], "annotations": annotations}
    (folder / "_annotations.coco.json").write_text(json.dumps(document))
    return folder / "_annotations.coco.json"


IMAGE = {"id": 0, "file_name": "a.png", "width": WIDTH, "height": HEIGHT}
SHAPE = {"image_id": 0, "category_id": 1, "segmentation": [[2, 2, 12, 2, 12, 12]]}


@pytest.mark.parametrize(
    ("images", "message", "location"),
    [
        ([{**IMAGE, "width": True}], "must be integers", "image 0"),
        ([{**IMAGE, "height": 64.0}], "must be integers", "image 0"),
        ([IMAGE, {**IMAGE, "file_name": "b.png"}], "duplicate image id 0", "image 0"),
        ([{**IMAGE, "file_name": "../a.png"}], "leads outside the dataset", "image 0"),
        ([{**IMAGE, "file_name": "/etc/a.png"}], "leads outside the dataset", "image 0"),
    ],
)
def test_coco_bad_image_entries_are_located_errors(tmp_path, images, message, location):
    result = load_coco(_coco(tmp_path / "d", images, []))
    [error] = _errors(result)
    assert (message in error.message, error.location) == (True, location), error
    assert error.file.endswith("_annotations.coco.json")


def test_coco_duplicate_annotation_ids(tmp_path):
    result = load_coco(_coco(tmp_path / "d", [IMAGE], [{**SHAPE, "id": 4}, {**SHAPE, "id": 4}]))
    [error] = _errors(result)
    assert (error.location, "duplicate annotation id 4" in error.message) == ("annotation 4", True)
    assert len(result.dataset.annotations) == 1


def test_json_nested_too_deep_is_an_error_not_a_traceback(tmp_path):
    path = _coco(tmp_path / "d", [IMAGE], [])
    path.write_text('{"images": ' + "[" * 200_000 + "]" * 200_000 + "}")
    with pytest.raises(FormatError, match="JSON nested too deep"):
        load_coco(path)


def test_json_that_is_not_utf8_names_the_file(tmp_path):
    path = _coco(tmp_path / "d", [IMAGE], [])
    path.write_bytes(b'{"images": [],\n"categories": [{"id": 1, "name": "caf\xe9"}], "annotations": []}')
    with pytest.raises(FormatError, match=r"_annotations\.coco\.json, line 2: not UTF-8"):
        load_coco(path)


def test_names_beyond_the_listed_ones_are_kept_or_made_up(tmp_path):
    root = _yolo_without_yaml(tmp_path / "d")
    (root / "classes.txt").write_text("cat\n")
    assert [c.name for c in load_yolo(root).dataset.categories] == ["cat", "class_1", "class_2"]
    (root / "data.yaml").write_text("train: images\nval: images\nnames: [a, b, c, d]\n")
    renamed = load_yolo(root, names=["x"]).dataset.categories
    assert [c.name for c in renamed] == ["x", "b", "c", "d"]
