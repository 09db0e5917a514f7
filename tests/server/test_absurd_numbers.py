"""Absurd numbers get a 4xx naming what is wrong, never a 500 (issue 19): before, coordinates of 1e308 overflowed
the area computation (and GEOS), an RLE of 10^6 x 10^6 overflowed pycocotools' 32-bit counts, and a tile count
of 400 x 400 divided by zero while previewing a version."""

from __future__ import annotations

import io

import pytest
from PIL import Image


@pytest.fixture
def image(client):
    client.post("/api/v1/projects", json={"name": "p", "categories": ["a"]}).raise_for_status()
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (9, 9, 9)).save(buffer, "PNG")
    added = client.post("/api/v1/projects/p/images", files=[("files", ("a.png", buffer.getvalue()))]).json()
    category = client.get("/api/v1/projects/p").json()["categories"][0]["id"]
    return added["added"][0]["id"], category


HUGE = 1e308


@pytest.mark.parametrize(
    ("geometry", "message"),
    [
        (
            {"type": "polygon", "parts": [{"exterior": [0, 0, HUGE, 0, HUGE, HUGE, 0, HUGE], "holes": []}]},
            "geometry: part 0: coordinates beyond ±1e+09 pixels (found 1e+308)",
        ),
        (
            {"type": "polygon", "parts": [{"exterior": [0, 0, 9, 0, 9, 9], "holes": [[1, 1, -HUGE, 2, 2, 2]]}]},
            "coordinates beyond ±1e+09 pixels",
        ),
        (
            {"type": "rle", "size": [10**6, 10**6], "counts": [0, 10**12]},
            "RLE size 1000000x1000000 is above the 4294967295 pixels an RLE mask can hold",
        ),
    ],
)
def test_absurd_geometry_is_a_4xx(client, image, geometry, message):
    image_id, category = image
    response = client.post(
        f"/api/v1/images/{image_id}/annotations", json={"category_id": category, "geometry": geometry}
    )
    assert response.status_code == 422, response.text
    assert response.json()["message"].startswith("body.geometry: ")
    assert message in response.json()["message"]


def test_a_tile_count_beyond_the_limit_is_refused_by_the_recipe(client, image):
    recipe = {"preprocessing": {"tile": [400, 400]}}
    response = client.post("/api/v1/projects/p/versions/preview", json={"recipe": recipe, "samples": 1})
    assert response.status_code == 422, response.text
    assert "tile must be at most 64x64, got (400, 400)" in response.json()["message"]


def test_more_tiles_than_pixels_is_a_4xx(client, image):
    recipe = {"preprocessing": {"tile": [60, 60]}}  # the image is 64 x 48: 60 rows would be less than a pixel
    response = client.post("/api/v1/projects/p/versions/preview", json={"recipe": recipe, "samples": 1})
    assert response.status_code == 400, response.text
    assert (
        "tiling 60x60 needs an image at least 60 pixels wide and 60 high; this one is 64x48"
        in (response.json()["message"])
    )
