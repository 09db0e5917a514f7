"""Thumbnails for the image grid: small, as displayed (EXIF turn applied), made once."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image


def _turned_jpeg() -> bytes:
    """A 400x200 JPEG whose EXIF says "turn 90°": it is displayed 200 wide and 400 tall. Its left half is white."""
    pixels = np.zeros((200, 400, 3), np.uint8)
    pixels[:, :200] = 255
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90° clockwise to display
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, "JPEG", exif=exif)
    return buffer.getvalue()


def test_thumbnail_is_small_turned_cached_and_sizes_are_checked(client, seglab_home):
    client.post("/api/v1/projects", json={"name": "thumbs", "categories": ["a"]})
    files = [("files", ("turned.jpg", _turned_jpeg(), "image/jpeg"))]
    image_id = client.post("/api/v1/projects/thumbs/images", files=files).json()["added"][0]["id"]

    answer = client.get(f"/api/v1/images/{image_id}/thumbnail?size=128")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "image/jpeg"
    thumbnail = Image.open(io.BytesIO(answer.content))
    assert thumbnail.size == (64, 128)  # displayed upright, longest side 128
    top, bottom = np.asarray(thumbnail.convert("L"))[[5, -5], 32]
    assert top > 200  # turned clockwise: the white left half is now on top
    assert bottom < 50

    cached = list((seglab_home / "cache" / "thumbnails").glob("*-128.jpg"))
    assert len(cached) == 1
    stamp = cached[0].stat().st_mtime_ns
    assert client.get(f"/api/v1/images/{image_id}/thumbnail?size=128").content == answer.content
    assert cached[0].stat().st_mtime_ns == stamp  # served from the cache, not made again

    refused = client.get(f"/api/v1/images/{image_id}/thumbnail?size=300")
    assert refused.status_code == 400
    assert "128, 256, 512" in refused.json()["error"]["message"]
    assert client.get("/api/v1/images/999/thumbnail").status_code == 404


def test_annotated_thumbnail_draws_in_the_class_colour_and_follows_edits(client, seglab_home):
    project = client.post("/api/v1/projects", json={"name": "drawn", "categories": ["a"]}).json()
    category = project["categories"][0]
    client.patch(f"/api/v1/categories/{category['id']}", json={"color": "#00ff00"})
    grey = io.BytesIO()
    Image.new("RGB", (400, 200), (128, 128, 128)).save(grey, "PNG")
    files = [("files", ("grey.png", grey.getvalue(), "image/png"))]
    image_id = client.post("/api/v1/projects/drawn/images", files=files).json()["added"][0]["id"]
    square = {"type": "polygon", "parts": [{"exterior": [0, 0, 200, 0, 200, 200, 0, 200], "holes": []}]}
    created = client.post(
        f"/api/v1/images/{image_id}/annotations", json={"category_id": category["id"], "geometry": square}
    ).json()

    def pixels() -> np.ndarray:
        answer = client.get(f"/api/v1/images/{image_id}/thumbnail?size=128&annotations=true")
        assert answer.status_code == 200
        assert answer.headers["cache-control"] == "no-cache"  # it changes with the annotations: revalidated
        return np.asarray(Image.open(io.BytesIO(answer.content)).convert("RGB")).astype(int)

    drawn = pixels()
    assert drawn.shape == (64, 128, 3)
    inside, outside = drawn[32, 32], drawn[32, 96]
    assert inside[1] - inside[0] > 40  # tinted green inside the square
    assert abs(outside - 128).max() < 12  # untouched outside it
    plain = client.get(f"/api/v1/images/{image_id}/thumbnail?size=128")
    assert np.abs(np.asarray(Image.open(io.BytesIO(plain.content)).convert("RGB")).astype(int) - 128).max() < 12

    moved = {"type": "polygon", "parts": [{"exterior": [200, 0, 400, 0, 400, 200, 200, 200], "holes": []}]}
    client.patch(f"/api/v1/annotations/{created['id']}", json={"revision": created["revision"], "geometry": moved})
    redrawn = pixels()
    assert abs(redrawn[32, 32] - 128).max() < 12  # an edit makes a new thumbnail
    assert redrawn[32, 96][1] - redrawn[32, 96][0] > 40
