"""Previewing a recipe: a few outputs rendered by the version code itself, stored nowhere, the same for a seed."""

from __future__ import annotations

import base64

import cv2
import numpy as np
import pytest

AUGMENTED = {"augmentations": [{"name": "rotate", "value": 30}, {"name": "brightness"}], "seed": 4}


def _preview(client, recipe: dict, samples: int = 3) -> dict:
    answer = client.post("/api/v1/projects/pets/versions/preview", json={"recipe": recipe, "samples": samples})
    assert answer.status_code == 200, answer.text
    return answer.json()


def _pixels(data_url: str) -> np.ndarray:
    header, _, payload = data_url.partition(",")
    assert header == "data:image/jpeg;base64"
    return cv2.imdecode(np.frombuffer(base64.b64decode(payload), np.uint8), cv2.IMREAD_COLOR)


def test_augmented_samples_are_the_same_for_a_seed_and_differ_for_another(client, project):
    first = _preview(client, AUGMENTED)
    assert len(first["samples"]) == 3  # augmented: as many as asked, even from few images
    assert first == _preview(client, AUGMENTED)
    assert first["samples"] != _preview(client, {**AUGMENTED, "seed": 5})["samples"]
    assert [c["name"] for c in first["categories"]] == [
        c["name"] for c in client.get("/api/v1/projects/pets").json()["categories"]
    ]
    for sample in first["samples"]:
        assert _pixels(sample["image"]).shape[:2] == (sample["height"], sample["width"])
        for instance in sample["instances"]:
            assert instance["geometry"]["type"] == "polygon"  # crowd masks are traced, so a page can draw them
            points = np.asarray(instance["geometry"]["parts"][0]["exterior"]).reshape(-1, 2)
            assert points.min() >= 0
            assert (points <= [sample["width"], sample["height"]]).all()


def test_preprocessing_shows_in_the_samples(client, project):
    recipe = {"preprocessing": {"resize": {"width": 64, "height": 48, "mode": "fit"}, "class_remap": {}}}
    plain = _preview(client, recipe, samples=16)
    images = client.get("/api/v1/projects/pets/images").json()["total"]
    assert len(plain["samples"]) == images  # without augmentation each image is shown once
    assert {(s["width"], s["height"]) for s in plain["samples"]} == {(64, 48)}
    # annotated images come first
    counts = [len(s["instances"]) for s in plain["samples"]]
    assert counts == sorted(counts, key=lambda n: n == 0)

    names = [c["name"] for c in plain["categories"]]
    omitted = _preview(client, {"preprocessing": {"class_remap": {names[0]: None}}}, samples=16)
    assert [c["name"] for c in omitted["categories"]] == names[1:]
    kept_ids = {c["id"] for c in omitted["categories"]}
    assert all(i["category_id"] in kept_ids for s in omitted["samples"] for i in s["instances"])


def test_large_images_are_sent_scaled_down_with_shapes_in_full_size_pixels(client):
    client.post("/api/v1/projects", json={"name": "big", "categories": ["thing"]})
    pixels = np.zeros((1200, 1600, 3), np.uint8)
    encoded = cv2.imencode(".png", pixels)[1].tobytes()
    client.post("/api/v1/projects/big/images", files=[("files", ("big.png", encoded, "image/png"))])
    sample = client.post("/api/v1/projects/big/versions/preview", json={}).json()["samples"][0]
    assert (sample["width"], sample["height"]) == (1600, 1200)
    assert _pixels(sample["image"]).shape[:2] == (480, 640)


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"samples": -1}, 422),
        ({"recipe": {"multiplier": 0}}, 422),
    ],
)
def test_bad_requests(client, project, body, status):
    assert client.post("/api/v1/projects/pets/versions/preview", json=body).status_code == status


def test_unknown_project(client):
    assert client.post("/api/v1/projects/nope/versions/preview", json={}).status_code == 404
