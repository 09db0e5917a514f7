import hashlib
import io
import zipfile

import numpy as np
import pytest
from PIL import Image

from seglab.core import ImageStatus, Split
from seglab.errors import InvalidInputError
from seglab.services import images, projects
from seglab.store import ImageFilter
from seglab.store import images as image_store

from ..formats.conftest import write_image


@pytest.fixture
def empty(ws):
    projects.create_project(ws, "empty", ["thing"])
    return "empty"


def _jpeg_with_orientation(path, width, height, orientation):
    image = Image.fromarray(np.zeros((height, width, 3), dtype=np.uint8))
    exif = Image.Exif()
    exif[0x0112] = orientation
    image.save(path, format="JPEG", exif=exif)
    return path


def test_files_and_folders_with_duplicates_and_failures(ws, empty, tmp_path):
    write_image(tmp_path / "in/a.png", seed=1)
    write_image(tmp_path / "in/sub/b.png", seed=2)
    write_image(tmp_path / "copy.png", seed=1)  # same bytes as a.png
    (tmp_path / "in/broken.jpg").write_bytes(b"\xff\xd8\xff not really")
    report = images.upload_paths(
        ws, empty, [tmp_path / "in", tmp_path / "copy.png", tmp_path / "missing.png"], tags=["batch1"]
    )
    assert sorted(i.file_name for i in report.added) == ["a.png", "b.png"]
    assert [i.file_name for i in report.duplicates] == ["a.png"]
    assert sorted(name for name, _ in report.failed) == sorted(["broken.jpg", str(tmp_path / "missing.png")])
    assert all(i.tags == ("batch1",) for i in report.added)


def test_exif_orientation_gives_displayed_size(ws, empty, tmp_path):
    path = _jpeg_with_orientation(tmp_path / "phone.jpg", 40, 20, orientation=6)  # rotated 90°
    added = images.upload_paths(ws, empty, [path]).added[0]
    assert (added.width, added.height) == (20, 40)
    assert images.image_file(ws, added.id).read_bytes() == path.read_bytes()  # the original bytes are kept


def test_truncated_image_is_refused(ws, empty, tmp_path):
    path = write_image(tmp_path / "t.png")
    path.write_bytes(path.read_bytes()[:300])
    report = images.upload_paths(ws, empty, [path])
    assert report.added == []
    assert "truncated" in report.failed[0][1]


def test_zip_of_images(ws, empty, tmp_path):
    write_image(tmp_path / "x.png", seed=5)
    archive = tmp_path / "batch.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.write(tmp_path / "x.png", "folder/x.png")
        zipped.writestr("notes.txt", "ignored")
        zipped.writestr("folder/broken.png", b"not a png")
    not_a_zip = tmp_path / "other.zip"
    not_a_zip.write_bytes(b"nope")
    report = images.upload_paths(ws, empty, [not_a_zip, archive])
    assert [i.file_name for i in report.added] == ["x.png"]
    # failures name the archive and the member; a bad archive does not stop the others
    assert [name for name, _ in report.failed] == ["other.zip", "batch.zip/folder/broken.png"]
    assert "not a valid zip archive" in report.failed[0][1]


def test_filters_and_pages(ws, project):
    all_images, total = images.list_images(ws, project)
    assert total == 3
    train, _ = images.list_images(ws, project, ImageFilter(split=Split.TRAIN))
    assert [i.file_name for i in train] == ["img0.png"]
    images.update_image(ws, train[0].id, tags=["night", " ", "blurry"], status=ImageStatus.REVIEWED)
    assert images.list_images(ws, project, ImageFilter(tag="night"))[0][0].tags == ("blurry", "night")
    assert images.list_images(ws, project, ImageFilter(status=ImageStatus.REVIEWED))[1] == 1
    bird = next(c for c in projects.get_project(ws, project).categories if c.name == "bird")
    assert [i.file_name for i in images.list_images(ws, project, ImageFilter(category_id=bird.id))[0]] == ["img1.png"]
    page, total = images.list_images(ws, project, offset=1, limit=1)
    assert (len(page), total, page[0].id) == (1, 3, all_images[1].id)
    with pytest.raises(InvalidInputError):
        images.list_images(ws, project, limit=0)


def test_pages_walk_a_filtered_grid_in_order_past_another_projects_images(ws, empty):
    """Pages take their ids first, then the rows (store.images.list_images): every page in upload order, each image
    once, none of the other project's, whatever the offset."""
    mine = projects.get_project(ws, empty).id
    other = projects.create_project(ws, "other", ["thing"]).id
    with ws.db.transaction() as session:
        for index in range(30):  # the two projects' images interleaved, every third one in train
            for project, name in ((mine, "mine"), (other, "theirs")):
                digest = hashlib.sha256(f"{name}{index}".encode()).hexdigest()
                split = Split.TRAIN if index % 3 == 0 else Split.UNASSIGNED
                image_store.add_image(
                    session, project, sha256=digest, file_name=f"{name}{index}.png", width=4, height=4, split=split
                )
    for filters, expected in ((ImageFilter(), range(30)), (ImageFilter(split=Split.TRAIN), range(0, 30, 3))):
        names = [f"mine{index}.png" for index in expected]
        for offset, limit in ((0, 4), (3, 4), (len(names) - 2, 4), (len(names), 4), (1, 1000)):
            page, total = images.list_images(ws, empty, filters, offset=offset, limit=limit)
            assert total == len(names)
            assert [image.file_name for image in page] == names[offset : offset + limit]


def test_delete_image(ws, project):
    image = images.list_images(ws, project)[0][0]
    images.delete_image(ws, image.id)
    assert images.list_images(ws, project)[1] == 2


def test_add_image_bytes_directly(ws, empty):
    buffer = io.BytesIO()
    Image.new("RGB", (7, 5)).save(buffer, format="PNG")
    report = images.add_image_bytes(ws, empty, "../../evil/name.png", buffer.getvalue())
    assert report.added[0].file_name == "name.png"
