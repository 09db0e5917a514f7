"""Limits on untrusted images, checked from the header before decoding: uploads, imports, thumbnails, inference.

Each test here failed on the code before the limits (issue 19): a 200 Mpx PNG bomb raised a 500 after the image
before it was stored, a 169 Mpx PNG was decoded and stored, thumbnails and imports ignored the pixel limit, EPS
was accepted, 16-bit PNGs saturated to white.
"""

from __future__ import annotations

import io
import json
import zipfile

import numpy as np
import pytest
from PIL import Image

from seglab.errors import InvalidInputError, TooLargeError
from seglab.models import decode_image
from seglab.services import images, projects, thumbnails, transfer
from seglab.services.images import Outcome
from seglab.store import ImageFilter

from ..formats.conftest import write_image


def png_bomb(width: int, height: int) -> bytes:
    """A tiny PNG (tens of kilobytes) that decodes to ``width`` x ``height`` pixels: a decompression bomb."""
    buffer = io.BytesIO()
    Image.new("1", (width, height)).save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


EPS = b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\n%%EndComments\nnewpath 0 0 moveto 10 10 lineto stroke\n"


@pytest.fixture
def empty(ws):
    projects.create_project(ws, "empty", ["thing"])
    return "empty"


def _stored(ws, project):
    return images.list_images(ws, project, ImageFilter())[1]


def test_a_bomb_in_a_batch_is_refused_and_the_good_file_is_stored(ws, empty, tmp_path):
    good = write_image(tmp_path / "good.png")
    bomb = tmp_path / "bomb.png"
    bomb.write_bytes(png_bomb(20_000, 10_000))
    assert bomb.stat().st_size < 100_000
    report = images.upload_paths(ws, empty, [good, bomb])
    assert [(f.file, f.outcome) for f in report.files] == [("good.png", Outcome.STORED), ("bomb.png", Outcome.REFUSED)]
    reason = report.files[1].reason
    assert reason is not None
    assert reason.startswith("bomb.png is ")
    assert reason.endswith("200 Mpx, above SEGLAB_MAX_IMAGE_PIXELS=40000000")
    assert _stored(ws, empty) == 1


def test_an_image_above_the_setting_is_refused_from_its_header(ws, empty):
    report = images.add_image_bytes(ws, empty, "big.png", png_bomb(13_000, 13_000))
    assert report.failed == [("big.png", "big.png is 13000x13000 = 169 Mpx, above SEGLAB_MAX_IMAGE_PIXELS=40000000")]
    assert _stored(ws, empty) == 0
    ws.settings.max_image_pixels = 200_000_000  # the setting raises the limit
    assert len(images.add_image_bytes(ws, empty, "big.png", png_bomb(13_000, 13_000)).added) == 1


def test_formats_outside_the_allowlist_are_refused_unread(ws, empty):
    report = images.add_image_bytes(ws, empty, "drawing.eps", EPS)
    ((name, reason),) = report.failed
    assert name == "drawing.eps"
    assert reason.startswith("drawing.eps is not an image in a format seglab reads (JPEG, PNG, WEBP, TIFF")
    with pytest.raises(InvalidInputError, match="not an image in a format seglab reads"):
        decode_image(EPS, max_pixels=10_000)


@pytest.mark.parametrize("fmt", ["GIF", "BMP", "TIFF", "WEBP"])
def test_allowed_formats_are_stored(ws, empty, fmt):
    buffer = io.BytesIO()
    Image.new("RGB", (32, 24), (10, 200, 30)).save(buffer, format=fmt)
    report = images.add_image_bytes(ws, empty, f"a.{fmt.lower()}", buffer.getvalue())
    assert [(i.width, i.height) for i in report.added] == [(32, 24)]


def _png16() -> bytes:
    """A 16-bit greyscale PNG: a ramp over the whole 0..65535 range, one value per column."""
    ramp = np.tile(np.linspace(0, 65535, 256).astype(np.uint16), (8, 1))
    buffer = io.BytesIO()
    Image.fromarray(ramp).save(buffer, format="PNG")
    return buffer.getvalue()


def test_16_bit_images_are_scaled_not_clipped(ws, empty):
    pixels = decode_image(_png16(), max_pixels=10_000)
    assert pixels.dtype == np.uint8
    assert pixels[0, 0].tolist() == [0, 0, 0]
    assert pixels[0, 128].tolist() == [128, 128, 128]  # clipped, it was 255: every value above 255 was white
    assert pixels[0, 255].tolist() == [255, 255, 255]
    (record,) = images.add_image_bytes(ws, empty, "deep.png", _png16()).added
    with Image.open(thumbnails.thumbnail(ws, record.id, 256)) as thumb:
        middle = np.asarray(thumb.convert("L"))[:, 120:136].mean()
    assert 100 < middle < 160  # mid grey, not white


def test_thumbnails_refuse_a_stored_image_above_the_limit(ws, empty):
    (record,) = images.add_image_bytes(ws, empty, "a.png", png_bomb(400, 300)).added
    ws.settings.max_image_pixels = 100_000
    with pytest.raises(TooLargeError, match=r"image \d+ is 400x300 = 0.1 Mpx, above SEGLAB_MAX_IMAGE_PIXELS=100000"):
        thumbnails.thumbnail(ws, record.id, 128)


def test_imports_skip_images_above_the_limit_with_their_annotations(ws, tmp_path):
    folder = tmp_path / "coco"
    folder.mkdir()
    (folder / "small.png").write_bytes(png_bomb(40, 30))
    (folder / "big.png").write_bytes(png_bomb(1000, 1000))
    square = [[1, 1, 9, 1, 9, 9, 1, 9]]
    coco = {
        "images": [
            {"id": 1, "file_name": "small.png", "width": 40, "height": 30},
            {"id": 2, "file_name": "big.png", "width": 1000, "height": 1000},
        ],
        "categories": [{"id": 1, "name": "thing"}],
        "annotations": [
            {"id": i, "image_id": i, "category_id": 1, "segmentation": square, "bbox": [1, 1, 8, 8], "area": 64}
            for i in (1, 2)
        ],
    }
    (folder / "_annotations.coco.json").write_text(json.dumps(coco))
    ws.settings.max_image_pixels = 100_000
    report = transfer.import_dataset(ws, folder, "imported", create_project=True)
    assert (report.images_added, report.annotations_added) == (1, 1)
    (problem,) = [p for p in report.problems if "SEGLAB_MAX_IMAGE_PIXELS" in p.message]
    assert problem.message == "big.png is 1000x1000 = 1.0 Mpx, above SEGLAB_MAX_IMAGE_PIXELS=100000"
    assert problem.file.endswith("big.png")
    with pytest.raises(TooLargeError):
        transfer.import_dataset(ws, folder, "imported", strict=True)


def test_version_rendering_scales_16_bit_images(tmp_path):
    from seglab.versions.render import load_pixels

    path = tmp_path / "deep.png"
    path.write_bytes(_png16())
    pixels = load_pixels(str(path))
    assert pixels[0, 128].tolist() == [128, 128, 128]  # was [255, 255, 255]


def _zip(path, members: dict[str, bytes]):
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def _png(seed: int) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(np.random.default_rng(seed).integers(0, 255, (16, 16, 3), dtype=np.uint8)).save(buffer, "PNG")
    return buffer.getvalue()


def test_a_zip_bomb_is_refused_from_its_directory_and_nothing_is_stored(ws, empty, tmp_path):
    bomb = _zip(tmp_path / "bomb.zip", {"a.png": _png(1), "zeros.png": bytes(5 * 2**20)})
    report = images.upload_paths(ws, empty, [bomb])
    ((name, reason),) = report.failed
    assert name == "bomb.zip"
    assert reason.startswith("bomb.zip: zeros.png expands ")
    assert reason.endswith("above SEGLAB_MAX_ARCHIVE_RATIO=200")
    assert _stored(ws, empty) == 0  # a.png, before the bomb in the archive, was not stored either


def test_archive_size_and_file_count_limits_come_from_the_settings(ws, empty, tmp_path):
    archive = _zip(tmp_path / "three.zip", {f"{i}.png": _png(i) for i in range(3)})
    ws.settings.max_archive_files = 2
    (reason,) = [r for _, r in images.upload_paths(ws, empty, [archive]).failed]
    assert reason == "three.zip holds 3 files, above SEGLAB_MAX_ARCHIVE_FILES=2"
    ws.settings.max_archive_files = 10
    ws.settings.max_archive_bytes = 1000
    (reason,) = [r for _, r in images.upload_paths(ws, empty, [archive]).failed]
    assert reason.startswith("three.zip expands to more than ")
    assert reason.endswith("SEGLAB_MAX_ARCHIVE_BYTES=1000")
    assert _stored(ws, empty) == 0
    ws.settings.max_archive_bytes = 10**6
    assert len(images.upload_paths(ws, empty, [archive]).added) == 3


def test_an_import_archive_above_the_limits_is_refused_before_extraction(ws, tmp_path, coco_export):
    archive = tmp_path / "dataset.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for path in sorted(coco_export.rglob("*")):
            zipped.write(path, path.relative_to(coco_export.parent).as_posix())
    ws.settings.max_archive_files = 3
    with pytest.raises(TooLargeError, match=r"dataset.zip holds \d+ files, above SEGLAB_MAX_ARCHIVE_FILES=3"):
        transfer.import_dataset(ws, archive, "imported", create_project=True)
    assert projects.list_projects(ws) == []


@pytest.mark.parametrize("member", ["../escape.png", "/abs.png"])
def test_archive_members_escaping_the_folder_are_refused(ws, empty, tmp_path, member):
    archive = _zip(tmp_path / "slip.zip", {"ok.png": _png(1), member: _png(2)})
    ((name, reason),) = images.upload_paths(ws, empty, [archive]).failed
    assert name == "slip.zip"
    assert "path escapes the target folder" in reason
    assert _stored(ws, empty) == 0
    assert not (tmp_path / "escape.png").exists()


def test_symbolic_links_in_archives_are_refused(ws, empty, tmp_path):
    archive = tmp_path / "link.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        link = zipfile.ZipInfo("link.png")
        link.external_attr = 0o120777 << 16  # a symbolic link to /etc/passwd
        zipped.writestr(link, "/etc/passwd")
    ((_, reason),) = images.upload_paths(ws, empty, [archive]).failed
    assert "symbolic links are not allowed" in reason
