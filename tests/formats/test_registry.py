import zipfile
from pathlib import Path

import pytest

from seglab.formats import (
    FormatError,
    ImageMode,
    detect_format,
    load_dataset,
    save_dataset,
    writable_formats,
)

from .conftest import assert_same_instances


@pytest.mark.parametrize("format_name", ["coco", "yolo", "labelme", "sa1b", "cvat", "mask-png"])
def test_every_written_format_is_detected_and_read_back(sample, tmp_path, format_name):
    out = tmp_path / format_name
    save_dataset(sample, out, format=format_name)
    assert detect_format(out)[0] == format_name
    loaded = load_dataset(out)
    assert loaded.format == format_name
    assert_same_instances(sample, loaded.dataset)


def test_single_files_are_detected(sample, tmp_path):
    save_dataset(sample, tmp_path / "coco", format="coco")
    save_dataset(sample, tmp_path / "lm", format="labelme")
    assert detect_format(tmp_path / "coco/train/_annotations.coco.json")[0] == "coco"
    assert detect_format(tmp_path / "lm/train/img0.json")[0] == "labelme"


def test_undetectable_and_missing_paths(tmp_path):
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(FormatError, match="cannot tell the dataset format"):
        detect_format(tmp_path)
    with pytest.raises(FormatError, match="no such file or folder"):
        detect_format(tmp_path / "missing")


def test_zip_archives_are_read(sample, tmp_path):
    save_dataset(sample, tmp_path / "coco", format="coco")
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for file in (tmp_path / "coco").rglob("*"):
            zipped.write(file, Path("export") / file.relative_to(tmp_path / "coco"))
    loaded = load_dataset(archive, workdir=tmp_path / "work")
    assert loaded.format == "coco"
    assert_same_instances(sample, loaded.dataset)


@pytest.mark.parametrize("member", ["../evil.txt", "/etc/evil.txt", "a/../../evil.txt"])
def test_zip_paths_escaping_the_target_are_refused_before_writing(tmp_path, member):
    archive = tmp_path / "evil.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("ok.txt", "fine")
        zipped.writestr(member, "boom")
    with pytest.raises(FormatError, match="path escapes the target folder"):
        load_dataset(archive, workdir=tmp_path / "work")
    assert not (tmp_path / "evil.txt").exists()
    assert not (tmp_path / "work" / "evil" / "ok.txt").exists()


def test_not_a_zip(tmp_path):
    archive = tmp_path / "broken.zip"
    archive.write_bytes(b"PK nope")
    with pytest.raises(FormatError, match="not a valid zip archive"):
        load_dataset(archive, workdir=tmp_path / "work")


def test_save_refuses_a_non_empty_folder_and_leaves_no_staging(sample, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    with pytest.raises(FormatError, match="not empty"):
        save_dataset(sample, out, format="coco")
    assert [p.name for p in out.iterdir()] == ["keep.txt"]


def test_failed_save_leaves_nothing_behind(sample, tmp_path, monkeypatch):
    import seglab.formats.coco as coco

    def explode(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(coco, "write_json_atomic", explode)  # a crash after the images were written
    with pytest.raises(OSError, match="disk full"):
        save_dataset(sample, tmp_path / "out", format="coco")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["source"]


def test_symlinked_images(sample, tmp_path):
    save_dataset(sample, tmp_path / "out", format="coco", image_mode=ImageMode.SYMLINK)
    assert (tmp_path / "out/train/img0.png").is_symlink()


def test_unknown_output_format(sample, tmp_path):
    assert set(writable_formats()) == {"coco", "yolo", "labelme", "sa1b", "cvat", "mask-png", "mask-png-semantic"}
    with pytest.raises(FormatError, match="cannot write format 'voc'"):
        save_dataset(sample, tmp_path / "out", format="voc")
