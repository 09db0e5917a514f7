"""The app API through an in-process client: every route, and one error shape for every failure."""

from __future__ import annotations

import numpy as np
import pytest

from seglab.store import segmentation_from_json

from ..formats.conftest import write_image

SQUARE = {"type": "polygon", "parts": [{"exterior": [2, 2, 12, 2, 12, 12, 2, 12], "holes": []}]}


def _error(response, status, code):
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error", "message"}
    assert set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["code"] == code
    assert body["message"] == body["error"]["message"]
    return body["error"]


@pytest.fixture
def project(client, tmp_path):
    created = client.post("/api/v1/projects", json={"name": "pets", "categories": ["cat", "dog"]})
    assert created.status_code == 201
    files = []
    for index in range(3):
        path = write_image(tmp_path / f"img{index}.png", seed=index)
        files.append(("files", (path.name, path.read_bytes(), "image/png")))
    uploaded = client.post("/api/v1/projects/pets/images", files=files, data={"split": "train", "tags": "a,b"})
    assert uploaded.status_code == 201, uploaded.text
    assert len(uploaded.json()["added"]) == 3
    return created.json()


def test_projects_and_categories(client, project):
    assert [p["name"] for p in client.get("/api/v1/projects").json()] == ["pets"]
    assert client.get(f"/api/v1/projects/{project['id']}").json()["name"] == "pets"
    cat, dog = project["categories"]
    bird = client.post("/api/v1/projects/pets/categories", json={"name": "bird", "color": "#00ff00"}).json()
    assert bird["color"] == "#00ff00"
    renamed = client.patch(f"/api/v1/categories/{bird['id']}", json={"name": "parrot"}).json()
    assert renamed["name"] == "parrot"
    merged = client.post(f"/api/v1/categories/{dog['id']}/merge", json={"into": cat["id"]})
    assert merged.json()["id"] == cat["id"]
    assert client.delete(f"/api/v1/categories/{bird['id']}").json() == {
        "deleted": bird["id"],
        "annotations_affected": 0,
    }
    assert [c["name"] for c in client.get("/api/v1/projects/pets").json()["categories"]] == ["cat"]
    _error(client.post("/api/v1/projects", json={"name": "pets"}), 409, "conflict")
    assert client.delete("/api/v1/projects/pets").status_code == 200
    _error(client.get("/api/v1/projects/pets"), 404, "not_found")


def test_images_listing_filters_and_bytes(client, project, tmp_path):
    page = client.get("/api/v1/projects/pets/images", params={"limit": 2}).json()
    assert (page["total"], len(page["items"]), page["items"][0]["tags"]) == (3, 2, ["a", "b"])
    image = page["items"][0]
    content = client.get(image["url"])
    assert content.status_code == 200
    assert content.headers["content-type"] == "image/png"
    assert content.content == (tmp_path / "img0.png").read_bytes()
    patched = client.patch(f"/api/v1/images/{image['id']}", json={"split": "valid", "status": "null"}).json()
    assert (patched["split"], patched["status"]) == ("valid", "null")
    assert client.get("/api/v1/projects/pets/images", params={"split": "valid"}).json()["total"] == 1
    _error(client.get("/api/v1/projects/pets/images", params={"split": "holdout"}), 422, "invalid_input")
    assert client.delete(f"/api/v1/images/{image['id']}").status_code == 200
    _error(client.get(f"/api/v1/images/{image['id']}"), 404, "not_found")


def test_annotation_lifecycle_with_conflicts(client, project):
    image = client.get("/api/v1/projects/pets/images").json()["items"][0]
    cat = project["categories"][0]
    headers = {"X-Seglab-User": "ana"}
    created = client.post(
        f"/api/v1/images/{image['id']}/annotations",
        json={"category_id": cat["id"], "geometry": SQUARE},
        headers=headers,
    )
    assert created.status_code == 201
    annotation = created.json()
    assert (annotation["area"], annotation["revision"], annotation["author"]) == (100, 1, "ana")
    assert annotation["bbox_xyxy"] == [2, 2, 12, 12]
    bigger = {
        "type": "polygon",
        "parts": [{"exterior": [0, 0, 20, 0, 20, 20, 0, 20], "holes": [[5, 5, 10, 5, 10, 10, 5, 10]]}],
    }
    updated = client.patch(f"/api/v1/annotations/{annotation['id']}", json={"revision": 1, "geometry": bigger}).json()
    assert (updated["revision"], updated["area"]) == (2, 400 - 25)
    stale = _error(
        client.patch(f"/api/v1/annotations/{annotation['id']}", json={"revision": 1, "geometry": SQUARE}),
        409,
        "conflict",
    )
    assert stale["details"]["current_revision"] == 2
    _error(client.delete(f"/api/v1/annotations/{annotation['id']}", params={"revision": 1}), 409, "conflict")
    history = client.get(f"/api/v1/annotations/{annotation['id']}/history").json()
    assert [h["action"] for h in history] == ["create", "update"]
    undone = client.post(f"/api/v1/annotations/{annotation['id']}/undo").json()
    assert (undone["revision"], undone["area"]) == (3, 100)
    # each person's undo of the image steps through their own edits: ana's was the creation
    undone_step = client.post(f"/api/v1/images/{image['id']}/undo", headers=headers).json()
    assert (undone_step["label"], undone_step["deleted"], undone_step["annotations"]) == (
        "create",
        [annotation["id"]],
        [],
    )
    assert client.get(f"/api/v1/images/{image['id']}/annotations").json() == []
    assert len(client.get(f"/api/v1/images/{image['id']}/history").json()) == 4
    _error(client.post(f"/api/v1/images/{image['id']}/undo", headers=headers), 409, "conflict")
    redone = client.post(f"/api/v1/images/{image['id']}/redo", headers=headers).json()["annotations"]
    assert [(a["id"], a["revision"], a["area"]) for a in redone] == [(annotation["id"], 5, 100)]
    _error(client.post(f"/api/v1/images/{image['id']}/redo", headers=headers), 409, "conflict")
    pasted = client.post(
        f"/api/v1/images/{image['id']}/annotations/batch",
        json={"annotations": [{"category_id": cat["id"], "geometry": SQUARE}] * 2},
        headers=headers,
    )
    assert pasted.status_code == 201
    undone_paste = client.post(f"/api/v1/images/{image['id']}/undo", headers=headers).json()
    assert sorted(undone_paste["deleted"]) == sorted(a["id"] for a in pasted.json())


def test_many_images_at_once_all_or_nothing(client, project, tmp_path):
    listed = client.get("/api/v1/projects/pets/images").json()["items"]
    first, second, third = (i["id"] for i in listed)
    client.post(f"/api/v1/images/{first}/annotations", json={"category_id": 1, "geometry": SQUARE})

    changed = client.patch(
        "/api/v1/projects/pets/images",
        json={"image_ids": [first, second], "split": "valid", "add_tags": ["blurry"], "remove_tags": ["a"]},
    )
    assert changed.status_code == 200, changed.text
    assert [(i["split"], i["tags"]) for i in changed.json()] == [("valid", ["b", "blurry"])] * 2
    untouched = client.get(f"/api/v1/images/{third}").json()
    assert (untouched["split"], untouched["tags"]) == ("train", ["a", "b"])

    # an image of another project (or none at all) is refused by id, and nothing changes
    client.post("/api/v1/projects", json={"name": "other", "categories": ["x"]})
    path = write_image(tmp_path / "other.png", seed=42)
    stranger = client.post(
        "/api/v1/projects/other/images", files=[("files", (path.name, path.read_bytes(), "image/png"))]
    ).json()["added"][0]["id"]
    refused = _error(
        client.patch("/api/v1/projects/pets/images", json={"image_ids": [third, stranger, 999], "split": "test"}),
        404,
        "not_found",
    )
    assert str(stranger) in refused["message"]
    assert "999" in refused["message"]
    assert client.get(f"/api/v1/images/{third}").json()["split"] == "train"
    _error(client.patch("/api/v1/projects/pets/images", json={"image_ids": []}), 422, "invalid_input")

    ids = client.get("/api/v1/projects/pets/image-ids", params={"split": "valid", "tag": "blurry"}).json()["ids"]
    assert ids == [first, second]  # "select all" of a filtered grid
    assert client.get("/api/v1/projects/pets/image-ids").json()["ids"] == [first, second, third]

    _error(client.post("/api/v1/projects/pets/images/delete", json={"image_ids": [first, stranger]}), 404, "not_found")
    assert client.get("/api/v1/projects/pets/images").json()["total"] == 3
    deleted = client.post("/api/v1/projects/pets/images/delete", json={"image_ids": [first, second]})
    assert deleted.json() == {"deleted": 2}
    assert [i["id"] for i in client.get("/api/v1/projects/pets/images").json()["items"]] == [third]
    _error(client.get(f"/api/v1/images/{first}/annotations"), 404, "not_found")


def test_rle_masks_come_with_their_pixel_outline_when_asked(client, project):
    """The editor draws and edits an RLE mask as polygons: the outline must cover exactly the mask's pixels."""
    from seglab.geometry import Rle, polygon_to_mask

    image = client.get("/api/v1/projects/pets/images").json()["items"][0]
    mask = np.zeros((image["height"], image["width"]), dtype=bool)
    mask[4:20, 3:25] = True
    mask[8:12, 8:12] = False  # a hole
    mask[22:26, 2:6] = True  # a second part
    rle = Rle.from_mask(mask).to_coco()
    cat = project["categories"][0]["id"]
    for geometry in ({"type": "rle", **rle}, SQUARE):
        created = client.post(
            f"/api/v1/images/{image['id']}/annotations", json={"category_id": cat, "geometry": geometry}
        )
        assert created.status_code == 201, created.text

    plain = client.get(f"/api/v1/images/{image['id']}/annotations").json()
    assert [a["outline"] for a in plain] == [None, None]  # only when asked: tracing costs a decode per mask
    masked, polygon = client.get(f"/api/v1/images/{image['id']}/annotations", params={"outlines": "true"}).json()
    assert polygon["outline"] is None
    assert masked["geometry"]["type"] == "rle"
    outline = masked["outline"]
    assert outline["type"] == "polygon"
    assert len(outline["parts"]) == 2
    assert sum(len(part["holes"]) for part in outline["parts"]) == 1
    traced = polygon_to_mask(segmentation_from_json(outline), (image["width"], image["height"]))
    assert np.array_equal(traced, mask)


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ({"category_id": 1, "geometry": {"type": "circle"}}, 422, "body.geometry: geometry"),
        ({"category_id": 1, "geometry": {"type": "polygon", "parts": [{"exterior": [1, 2, 3]}]}}, 422, "odd number"),
        ({"category_id": 1, "geometry": SQUARE, "source": ""}, 422, "body.source: String should have at least 1"),
        ({"category_id": 999, "geometry": SQUARE}, 400, "does not belong"),
        ({"geometry": SQUARE}, 422, "body.category_id: Field required"),
        ({"category_id": 1, "geometry": SQUARE, "confidence": 3}, 422, "confidence"),
    ],
)
def test_bad_annotation_requests(client, project, body, status, message):
    image = client.get("/api/v1/projects/pets/images").json()["items"][0]
    error = _error(client.post(f"/api/v1/images/{image['id']}/annotations", json=body), status, "invalid_input")
    assert message in error["message"]


def test_unknown_routes_and_methods_use_the_same_shape(client):
    _error(client.get("/api/v1/nothing-here"), 404, "not_found")
    _error(client.put("/api/v1/projects"), 405, "method_not_allowed")
    _error(client.get("/api/v1/annotations/12345"), 404, "not_found")


def test_import_export_and_stats(client, tmp_path):
    from seglab.formats import save_dataset

    from ..formats.conftest import build_dataset

    save_dataset(build_dataset(tmp_path / "src"), tmp_path / "coco", format="coco")
    settings = client.app.state.workspace.settings  # server paths: only under the configured roots
    settings.import_roots, settings.export_roots = [tmp_path], [tmp_path]
    client.post("/api/v1/projects", json={"name": "zoo"})
    report = client.post("/api/v1/projects/zoo/import", json={"path": str(tmp_path / "coco")}).json()
    assert (report["images_added"], report["annotations_added"], report["categories_created"]) == (
        3,
        5,
        ["cat", "dog", "bird"],
    )
    stats = client.get("/api/v1/projects/zoo/stats").json()
    assert stats["annotations"] == 5
    assert {c["name"]: c["annotations"] for c in stats["classes"]} == {"cat": 2, "dog": 2, "bird": 1}
    exported = client.post("/api/v1/projects/zoo/export", json={"path": str(tmp_path / "out"), "format": "yolo"})
    assert exported.status_code == 200
    assert (tmp_path / "out" / "data.yaml").is_file()
    error = _error(
        client.post("/api/v1/projects/zoo/import", json={"path": str(tmp_path / "missing")}), 400, "invalid_input"
    )
    assert "no such file or folder" in error["message"]


def test_an_image_status_follows_its_annotations_and_null_means_no_objects(client, project):
    """Drawing on a null image makes it annotated (versions never see both); marking an image that has annotations
    null is refused with their count unless the caller asks to clear them, which undo takes back."""
    image = client.get("/api/v1/projects/pets/images").json()["items"][0]
    url = f"/api/v1/images/{image['id']}"
    for annotation in client.get(f"{url}/annotations").json():
        client.delete(f"/api/v1/annotations/{annotation['id']}", params={"revision": annotation["revision"]})
    assert client.patch(url, json={"status": "null"}).json()["status"] == "null"
    cat = project["categories"][0]
    drawn = client.post(f"{url}/annotations", json={"category_id": cat["id"], "geometry": SQUARE})
    assert drawn.status_code == 201
    assert client.get(url).json()["status"] == "annotated"

    refused = _error(client.patch(url, json={"status": "null"}), 409, "conflict")
    assert refused["details"] == {"image": image["id"], "annotations": 1}
    assert client.get(url).json()["status"] == "annotated"
    cleared = client.patch(url, json={"status": "null", "clear_annotations": True})
    assert cleared.json()["status"] == "null"
    assert client.get(f"{url}/annotations").json() == []
    client.post(f"{url}/undo")
    assert [a["id"] for a in client.get(f"{url}/annotations").json()] == [drawn.json()["id"]]
    assert client.get(url).json()["status"] == "annotated"
