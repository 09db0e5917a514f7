"""seglab with its blobs in a bucket (moto's S3 server, tests/s3/conftest.py), end to end: a dataset imported over
the API, thumbnails, the image route in both delivery modes, a version generated, a model trained by a background
worker (the FAKE backend: the plumbing is the subject) and the tiny ONNX model served from the bucket."""

from __future__ import annotations

import base64

import httpx
import pytest
from fastapi.testclient import TestClient

from seglab.server import create_app
from seglab.services import images, training
from seglab.settings import Settings
from seglab.store import Workspace

from ..server.conftest import running_server
from ..tiny_model import register_tiny_model
from ..web.polling import poll_until
from .conftest import keys, s3_client

pytestmark = pytest.mark.xdist_group("s3")


def _object(endpoint: str, bucket: str, digest: str) -> bytes:
    key = f"blobs/{digest[:2]}/{digest[2:4]}/{digest}"
    return bytes(s3_client(endpoint).get_object(Bucket=bucket, Key=key)["Body"].read())


@pytest.mark.slow
def test_import_version_train_and_serve_with_blobs_in_the_bucket(
    bucket, s3_endpoint, seglab_home, coco_export, fake_training_env
):
    tiny = register_tiny_model(seglab_home)  # its ONNX export goes to the bucket too (SEGLAB_BLOB_URL)
    roots = {"SEGLAB_IMPORT_ROOTS": str(coco_export.parent)}
    with running_server(seglab_home.parent / "serve.log", SEGLAB_WORKERS="1", **roots, **fake_training_env) as url:
        api = f"{url}/api/v1"
        assert httpx.post(f"{api}/projects", json={"name": "pets"}).status_code == 201
        assert httpx.post(f"{api}/projects/pets/import", json={"path": str(coco_export)}).status_code == 200
        shown = httpx.get(f"{api}/projects/pets/images").json()["items"]
        assert shown
        first = shown[0]

        original = _object(s3_endpoint, bucket, first["sha256"])
        streamed = httpx.get(f"{api}/images/{first['id']}/file")
        assert streamed.status_code == 200
        assert streamed.content == original  # relayed from the bucket
        assert streamed.headers["content-type"] in ("image/png", "image/jpeg")
        assert streamed.headers["x-content-type-options"] == "nosniff"
        assert streamed.headers["content-disposition"].startswith("inline;")
        thumbnail = httpx.get(f"{api}/images/{first['id']}/thumbnail?size=128")
        assert thumbnail.status_code == 200
        assert thumbnail.headers["content-type"] == "image/jpeg"

        def finished(job_id: int) -> dict:
            return poll_until(
                lambda: httpx.get(f"{api}/jobs/{job_id}").json(),
                lambda job: job["status"] not in ("queued", "running"),
                f"job {job_id} finished",
                timeout=120,
            )

        version = finished(httpx.post(f"{api}/projects/pets/versions", json={}).json()["id"])
        assert version["status"] == "succeeded", version
        version_id = version["result"]["version_id"]
        trained = finished(httpx.post(f"{api}/versions/{version_id}/train", json={"model": "fake-seg"}).json()["id"])
        assert trained["status"] == "succeeded", trained
        (model,) = httpx.get(f"{api}/projects/pets/models").json()

        answer = httpx.post(
            f"{url}/infer/instance_segmentation",
            json={"model_id": tiny, "image": {"type": "base64", "value": base64.b64encode(original).decode()}},
            timeout=60,
        )
        assert answer.status_code == 200, answer.text
        assert answer.json()["predictions"]

    stored = {key.rsplit("/", 1)[-1] for key in keys(s3_endpoint, bucket)}
    assert {image["sha256"] for image in shown} <= stored
    ws = Workspace()
    try:
        assert training.get_model(ws, model["id"]).weights_sha256 in stored  # the checkpoint went to the bucket
    finally:
        ws.close()
    assert not (seglab_home / "blobs").exists()  # nothing was stored locally


def test_presigned_delivery_redirects_to_the_bucket(bucket, s3_endpoint, ws, project):
    record = images.list_images(ws, project)[0][0]
    app = create_app(Settings(blob_delivery="presigned", blob_presign_seconds=600))
    with TestClient(app) as client:
        answer = client.get(f"/api/v1/images/{record.id}/file", follow_redirects=False)
        assert answer.status_code == 307
        assert answer.headers["cache-control"] == "private, max-age=300"  # reused only while the URL is valid
        signed = answer.headers["location"]
        assert signed.startswith(f"{s3_endpoint}/{bucket}/blobs/")
        page = client.get("/")
        if page.headers.get("content-type", "").startswith("text/html"):  # the pages' policy admits the bucket
            assert f"img-src 'self' data: blob: {s3_endpoint}" in page.headers["content-security-policy"]
    app.state.workspace.close()
    fetched = httpx.get(signed)
    assert fetched.status_code == 200
    assert fetched.content == ws.blobs.read(record.sha256)
    assert fetched.headers["content-type"] in ("image/png", "image/jpeg")  # from the allowlist, not the name
    assert fetched.headers["content-disposition"].startswith("inline;")
    assert "x-amz-signature=" in signed.lower() or "signature=" in signed.lower()
