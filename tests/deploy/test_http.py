"""The Roboflow-compatible inference API of a live ``seglab serve``, driven by Roboflow's own client and by raw HTTP."""

from __future__ import annotations

import base64
import io
import json
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from PIL import Image
from typer.testing import CliRunner

from seglab.cli import app

from .conftest import SDK_PYTHON
from .instances import assert_same_instances

pytestmark = [pytest.mark.xdist_group("deploy"), pytest.mark.slow]


def _comparable(predictions: list[dict]) -> list[dict]:
    """Everything but the random ``detection_id``."""
    return [{k: v for k, v in p.items() if k != "detection_id"} for p in predictions]


def _b64(path: Path) -> str:
    return base64.b64encode(path.read_bytes()).decode()


def test_inference_sdk_works_unchanged_in_v1_and_v0(served, deployed):
    if not SDK_PYTHON.exists():
        pytest.fail(
            f"Roboflow's client is not installed in {SDK_PYTHON.parent.parent}: run `make sdk` (make test does)"
        )
    images = [str(p) for p in deployed.images[:2]]
    finished = subprocess.run(
        [str(SDK_PYTHON), str(Path(__file__).with_name("sdk_client.py")), served, deployed.reference, *images],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert finished.returncode == 0, finished.stderr[-3000:]
    result = json.loads(finished.stdout)
    assert result["info"]["name"] == "seglab"
    assert result["info"]["uuid"]
    assert {"model_id": deployed.reference, "task_type": "instance-segmentation"}.items() <= result["registry"][
        0
    ].items()
    assert result["registry"][0]["input_height"] == result["registry"][0]["input_width"] == 96
    assert result["after_unload"] == []
    assert result["unknown_model"]["status"] == 404
    assert "squares/99" in result["unknown_model"]["message"]

    cli = CliRunner().invoke(app, ["predict", deployed.reference, *images, "--confidence", "0"])
    assert cli.exit_code == 0, cli.output
    from_cli = json.loads(cli.stdout)
    assert from_cli[0]["predictions"], "the model should find something at this confidence"
    for answer in (result["v1"], result["v0"], result["v1_batch"][0]):
        assert answer["image"] == {"width": 128, "height": 96}
        assert_same_instances(answer["predictions"], from_cli[0]["predictions"])
    assert_same_instances(result["v1_batch"][1]["predictions"], from_cli[1]["predictions"])


def _infer(url: str, **body) -> httpx.Response:
    return httpx.post(f"{url}/infer/instance_segmentation", json=body, timeout=60)


def test_request_options_rle_visualization_and_class_filter(served, deployed):
    image = {"type": "base64", "value": "data:image/png;base64," + _b64(deployed.images[0])}
    polygons = _infer(served, model_id=deployed.reference, image=image, confidence=0.0).json()
    assert polygons["predictions"]
    assert all(p["points"] for p in polygons["predictions"])
    rle = _infer(served, model_id=deployed.reference, image=image, confidence=0.0, response_mask_format="rle").json()
    first = rle["predictions"][0]
    assert first["rle"]["size"] == [96, 128]
    assert isinstance(first["rle"]["counts"], str)
    drawn = _infer(served, model_id=deployed.reference, image=image, confidence=0.0, visualize_predictions=True).json()
    picture = Image.open(io.BytesIO(base64.b64decode(drawn["visualization"])))
    assert picture.format == "JPEG"
    assert picture.size == (128, 96)
    wanted = polygons["predictions"][0]["class"]
    only = _infer(served, model_id=deployed.reference, image=image, confidence=0.0, class_filter=[wanted]).json()
    assert {p["class"] for p in only["predictions"]} == {wanted}
    few = _infer(served, model_id=deployed.reference, image=image, confidence=0.0, max_detections=1).json()
    assert len(few["predictions"]) == 1
    legacy_image = httpx.post(
        f"{served}/{deployed.reference}",
        params={"confidence": 0.0, "format": "image", "api_key": "x"},  # v0 takes percent; below 1 is a fraction
        content=_b64(deployed.images[0]),
        headers={"Content-Type": "application/json"},
        timeout=60,
    )
    assert legacy_image.status_code == 200
    assert legacy_image.headers["content-type"] == "image/jpeg"
    assert legacy_image.content == base64.b64decode(drawn["visualization"])  # the same predictions, drawn the same
    with deployed.images[0].open("rb") as handle:
        multipart = httpx.post(
            f"{served}/{deployed.reference}", params={"confidence": 0.0}, files={"file": handle}, timeout=60
        )
    assert _comparable(multipart.json()["predictions"]) == _comparable(polygons["predictions"])


def _too_big_png() -> str:
    buffer = io.BytesIO()
    Image.new("RGB", (1200, 1000)).save(buffer, format="PNG")  # the server under test accepts up to 1 megapixel
    return base64.b64encode(buffer.getvalue()).decode()


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ({"image": {"type": "base64", "value": "aGVsbG8="}}, 400, "not an image"),
        ({"image": {"type": "base64", "value": "not*base64!"}}, 400, "malformed base64"),
        ({"image": {"type": "url", "value": "http://example.com/a.jpg"}}, 400, "not fetched"),
        ({"image": []}, 400, "empty"),
        ({"image": {"type": "base64", "value": _too_big_png()}}, 413, "1200x1000 = 1.2 Mpx, above SEGLAB_MAX"),
        ({"model_id": "squares/42", "image": {"type": "base64", "value": "aGVsbG8="}}, 404, "squares/42"),
        ({"model_id": "no-version", "image": {"type": "base64", "value": "aGVsbG8="}}, 404, "project/version"),
        ({"model_id": None}, 422, "model_id"),
    ],
)
def test_bad_requests_get_4xx_with_a_message(served, deployed, body, status, message):
    request = {"model_id": deployed.reference, **body}
    if request["model_id"] is None:
        request = {"image": {"type": "base64", "value": _b64(deployed.images[0])}}
    response = _infer(served, **request)
    assert response.status_code == status, response.text
    assert message in response.json()["message"]


def test_concurrent_requests_all_answer_and_match_one_at_a_time(served, deployed):
    image = {"type": "base64", "value": _b64(deployed.images[1])}
    alone = _infer(served, model_id=deployed.reference, image=image, confidence=0.0).json()
    with ThreadPoolExecutor(8) as pool:
        answers = list(
            pool.map(lambda _: _infer(served, model_id=deployed.reference, image=image, confidence=0.0), range(16))
        )
    assert all(a.status_code == 200 for a in answers)
    for answer in answers:
        assert_same_instances(answer.json()["predictions"], alone["predictions"])


def test_model_routes_and_health(served, deployed):
    assert httpx.get(f"{served}/healthz").json()["status"] == "healthy"
    assert httpx.get(f"{served}/readiness").json() == {"status": "ready"}
    added = httpx.post(f"{served}/model/add", json={"model_id": deployed.reference, "api_key": None}, timeout=120)
    assert added.status_code == 200
    assert deployed.reference in [m["model_id"] for m in added.json()["models"]]
    assert httpx.post(f"{served}/model/remove", json={"model_id": "never/1"}).status_code == 200
    assert httpx.post(f"{served}/model/clear").json() == {"models": []}
    # the app API is not shadowed by the legacy catch-all route
    assert httpx.get(f"{served}/api/v1/projects").status_code == 200
