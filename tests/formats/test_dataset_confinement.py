"""A dataset never reaches outside its own folder or archive (issue 18): names that climb out, absolute names and
symbolic links leading out are errors naming the file, and archives (zip and tarballs) expand only inside their
target."""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path

import pytest

from seglab.formats import FormatError, Severity, load_dataset

from .conftest import write_image


def _coco(folder: Path, file_name: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    document = {
        "images": [{"id": 1, "file_name": file_name, "width": 64, "height": 48}],
        "categories": [{"id": 1, "name": "cat"}],
        "annotations": [
            {"id": 7, "image_id": 1, "category_id": 1, "segmentation": [[1, 1, 20, 1, 20, 20]], "bbox": [1, 1, 19, 19]}
        ],
    }
    (folder / "_annotations.coco.json").write_text(json.dumps(document))
    return folder


def test_a_coco_file_name_climbing_out_is_an_error_naming_the_file(tmp_path):
    write_image(tmp_path / "secret.png")
    folder = _coco(tmp_path / "dataset", "../../etc/passwd")
    loaded = load_dataset(folder, format="coco")
    assert len(loaded.dataset.images) == 0
    (problem,) = [p for p in loaded.problems if p.severity is Severity.ERROR and "outside" in p.message]
    assert problem.file == str(folder / "_annotations.coco.json")
    assert "../../etc/passwd" in problem.message
    assert "outside the dataset" in problem.message
    assert problem.location == "image 1"
    with pytest.raises(FormatError, match="outside the dataset"):
        load_dataset(folder, format="coco", strict=True)


def test_a_labelme_absolute_image_path_is_an_error_naming_the_file(tmp_path):
    outside = write_image(tmp_path / "elsewhere" / "photo.png")
    root = tmp_path / "labelme"
    root.mkdir()
    shape = {"label": "cat", "points": [[1, 1], [20, 1], [20, 20]], "shape_type": "polygon"}
    (root / "x.json").write_text(json.dumps({"shapes": [shape], "imagePath": str(outside)}))
    loaded = load_dataset(root, format="labelme")
    assert len(loaded.dataset.images) == 0
    (problem,) = [p for p in loaded.problems if p.severity is Severity.ERROR]
    assert problem.file == str(root / "x.json")
    assert str(outside) in problem.message
    assert "leads outside the dataset" in problem.message
    with pytest.raises(FormatError, match="leads outside the dataset"):
        load_dataset(root, format="labelme", strict=True)


def test_an_image_symlinked_out_of_the_dataset_is_an_error_naming_it(tmp_path):
    secret = write_image(tmp_path / "private" / "secret.png")
    folder = _coco(tmp_path / "dataset", "inside.png")
    (folder / "inside.png").symlink_to(secret)
    loaded = load_dataset(folder, format="coco")
    assert len(loaded.dataset.images) == 0
    assert len(loaded.dataset.annotations) == 0
    (problem,) = [p for p in loaded.problems if p.severity is Severity.ERROR]
    assert problem.file == str(folder / "inside.png")
    assert "symbolic link leading outside" in problem.message
    with pytest.raises(FormatError, match="symbolic link"):
        load_dataset(folder, format="coco", strict=True)
    # the command line follows its owner's links (seglab convert --link writes such folders)
    assert len(load_dataset(folder, format="coco", follow_links=True).dataset.images) == 1


def test_a_symlink_staying_inside_the_dataset_is_read(tmp_path):
    folder = _coco(tmp_path / "dataset", "inside.png")
    write_image(folder / "originals" / "real.png")
    (folder / "inside.png").symlink_to(folder / "originals" / "real.png")
    assert len(load_dataset(folder, format="coco").dataset.images) == 1


def _tarball(path: Path, members: dict[str, bytes], link: tuple[str, str] | None = None) -> Path:
    with tarfile.open(path, "w:gz") as tarred:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tarred.addfile(info, io.BytesIO(data))
        if link is not None:
            info = tarfile.TarInfo(link[0])
            info.type = tarfile.SYMTYPE
            info.linkname = link[1]
            tarred.addfile(info)
    return path


def test_a_tarball_dataset_is_read(tmp_path):
    folder = _coco(tmp_path / "dataset", "a.png")
    write_image(folder / "a.png")
    members = {f"dataset/{p.name}": p.read_bytes() for p in folder.iterdir()}
    loaded = load_dataset(_tarball(tmp_path / "cats.tar.gz", members), workdir=tmp_path / "work")
    assert loaded.format == "coco"
    assert [image.file_name for image in loaded.dataset.images] == ["a.png"]
    assert loaded.dataset.images[0].path.is_relative_to(tmp_path / "work")


@pytest.mark.parametrize(
    ("members", "link", "message"),
    [
        ({"../escaped.txt": b"x"}, None, "path escapes the target folder"),
        ({"/abs.txt": b"x"}, None, "path escapes the target folder"),
        ({}, ("data/a.png", "/etc/passwd"), "links are not allowed"),
    ],
)
def test_a_tarball_reaching_out_is_refused_before_writing(tmp_path, members, link, message):
    archive = _tarball(tmp_path / "evil.tar.gz", members, link)
    with pytest.raises(FormatError, match=message) as raised:
        load_dataset(archive, workdir=tmp_path / "work")
    assert raised.value.problem.file == str(archive)
    assert not (tmp_path / "escaped.txt").exists()
    assert not (tmp_path / "work").exists() or not any((tmp_path / "work").rglob("*.*"))
