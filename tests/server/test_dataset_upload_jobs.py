"""A dataset dropped into the browser (POST /projects/{p}/import/jobs): a Roboflow COCO zip, a YOLO folder's files
with their paths, loose COCO files, a zip of plain images, and what is refused. The job runs in this process
(``run_job``: the test's server has no background worker), read back over the API as the page polls it."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest

from seglab.services import jobs

from ..conftest import SHARED_DATASETS

BRAIN = SHARED_DATASETS / "brain-tumor-coco" / "test"
COTTON = SHARED_DATASETS / "cotton-impurity-yoloseg"
pytestmark = pytest.mark.skipif(not BRAIN.is_dir(), reason=f"shared datasets not found at {SHARED_DATASETS}")


def _brain_subset(count: int) -> tuple[dict[str, object], list[Path]]:
    """The first ``count`` annotated images of brain-tumor-coco's test split and its COCO JSON cut down to them."""
    coco = json.loads((BRAIN / "_annotations.coco.json").read_text())
    annotated = {a["image_id"] for a in coco["annotations"]}
    kept = [image for image in coco["images"] if image["id"] in annotated][:count]
    ids = {image["id"] for image in kept}
    subset = {**coco, "images": kept, "annotations": [a for a in coco["annotations"] if a["image_id"] in ids]}
    return subset, [BRAIN / image["file_name"] for image in kept]


def _roboflow_zip(count: int) -> tuple[bytes, int]:
    """A Roboflow "COCO Segmentation" export as its zip lays it out (``test/_annotations.coco.json`` beside the
    images), and how many annotations it holds."""
    coco, files = _brain_subset(count)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zipped:  # one split alone: its folder is all the zip holds
        zipped.writestr("test/_annotations.coco.json", json.dumps(coco))
        for file in files:
            zipped.write(file, f"test/{file.name}")
    return buffer.getvalue(), len(coco["annotations"])  # type: ignore[arg-type]


def _run(client, answer) -> dict:
    assert answer.status_code == 202, answer.text
    job = answer.json()
    assert (job["kind"], job["status"]) == ("dataset.import", "queued")
    jobs.run_job(client.app.state.workspace, job["id"])
    return client.get(f"/api/v1/jobs/{job['id']}").json()


def _project(client, name: str) -> None:
    assert client.post("/api/v1/projects", json={"name": name}).status_code == 201


def test_a_dropped_roboflow_coco_zip_imports_its_annotations_as_a_job_with_the_cli_report(client):
    _project(client, "brain")
    data, annotations = _roboflow_zip(5)
    answer = client.post(
        "/api/v1/projects/brain/import/jobs",
        files=[("files", ("Brain Tumor.v1i.coco-segmentation.zip", data, "application/zip"))],
    )
    job = _run(client, answer)
    assert job["status"] == "succeeded", job["error"]
    report = job["result"]
    assert (report["format"], report["images_added"], report["annotations_added"]) == ("coco", 5, annotations)
    assert report["categories_created"] == ["Tumor"]
    assert job["progress"]["stage"] == "storing images"
    assert job["progress"]["done"] == job["progress"]["total"] == 5
    images = client.get("/api/v1/projects/brain/images").json()
    assert images["total"] == 5
    assert {image["split"] for image in images["items"]} == {"test"}
    assert {image["status"] for image in images["items"]} == {"annotated"}
    # the archive left the blob store with its job: only the images' bytes remain
    assert job["params"]["upload"] not in {blob.digest for blob in client.app.state.workspace.blobs.blobs()}
    again = _run(client, client.post("/api/v1/projects/brain/import/jobs", files=[("files", ("again.zip", data))]))
    assert (again["result"]["images_added"], again["result"]["duplicates"]) == (0, 5)


def test_a_dropped_yolo_folder_keeps_its_layout_through_the_paths(client):
    _project(client, "cotton")
    names = sorted(p.name for p in (COTTON / "valid" / "images").iterdir())[:3]
    files = [("data.yaml", COTTON / "data.yaml")]
    for name in names:
        files.append((f"valid/images/{name}", COTTON / "valid" / "images" / name))
        label = Path(name).with_suffix(".txt").name
        files.append((f"valid/labels/{label}", COTTON / "valid" / "labels" / label))
    answer = client.post(
        "/api/v1/projects/cotton/import/jobs",
        files=[("files", (Path(path).name, source.read_bytes())) for path, source in files],
        data={"paths": [f"cotton-export/{path}" for path, _ in files]},
    )
    job = _run(client, answer)
    assert job["status"] == "succeeded", job["error"]
    report = job["result"]
    assert (report["format"], report["images_added"]) == ("yolo", 3)
    assert report["annotations_added"] > 0
    assert set(report["categories_created"]) <= {"cloth", "conveyor belt", "cotton", "jute", "packet", "thread", "wood"}
    splits = {image["split"] for image in client.get("/api/v1/projects/cotton/images").json()["items"]}
    assert splits == {"valid"}
    # data.yaml names train and test folders the drop left out: said by the names the person dropped, never by
    # the worker's temporary folder
    missing = [p["message"] for p in report["problems"] if "split folder or list not found" in p["message"]]
    assert missing
    assert all(message.startswith("split folder or list not found: cotton-export.zip/") for message in missing)


def test_loose_coco_files_and_plain_images_are_imported_and_bad_drops_are_refused(client):
    _project(client, "loose")
    coco, sources = _brain_subset(2)
    loose = [("files", ("_annotations.coco.json", json.dumps(coco).encode()))]
    loose += [("files", (source.name, source.read_bytes())) for source in sources]
    report = _run(client, client.post("/api/v1/projects/loose/import/jobs", files=loose))["result"]
    assert (report["format"], report["images_added"], report["annotations_added"]) == ("coco", 2, 2)

    _, more = _brain_subset(4)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zipped:
        for source in more[2:]:
            zipped.write(source, f"scans/{source.name}")
        zipped.writestr("scans/broken.jpg", b"not an image")
    plain = _run(
        client, client.post("/api/v1/projects/loose/import/jobs", files=[("files", ("scans.zip", buffer.getvalue()))])
    )
    assert (plain["result"]["format"], plain["result"]["images_added"]) == ("images", 2)
    assert [p["file"] for p in plain["result"]["problems"]] == ["scans.zip/broken.jpg"]

    evil = io.BytesIO()
    with zipfile.ZipFile(evil, "w") as zipped:
        zipped.writestr("../../escaped.json", "{}")
    failed = _run(
        client, client.post("/api/v1/projects/loose/import/jobs", files=[("files", ("evil.zip", evil.getvalue()))])
    )
    assert failed["status"] == "failed"
    assert failed["error"].startswith("evil.zip")
    assert "path escapes the target folder" in failed["error"]

    long_name = f"{'x' * 300}.zip"  # named by the client: kept short enough for the job and the disk
    long_job = client.post("/api/v1/projects/loose/import/jobs", files=[("files", (long_name, evil.getvalue()))])
    assert long_job.status_code == 202
    assert long_job.json()["params"]["archive"] == f"{'x' * 116}.zip"

    two = [("files", ("a.zip", b"x")), ("files", ("b.json", b"{}"))]
    refused = client.post("/api/v1/projects/loose/import/jobs", files=two)
    assert refused.status_code == 400
    assert "a.zip is an archive among other files" in refused.json()["error"]["message"]
    unknown = client.post("/api/v1/projects/loose/import/jobs", files=loose, data={"format": "pascal"})
    assert unknown.status_code == 400
    assert "unknown format 'pascal'" in unknown.json()["error"]["message"]
