"""What the grid and the editor's walk through it ask of the server: an image's neighbours under the grid's filters
and its place among them ("12 / 141"); the proposals waiting on each image of a page (the grid's badge)."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

SQUARE = {"type": "polygon", "parts": [{"exterior": [1, 1, 8, 1, 8, 8, 1, 8], "holes": []}]}


def _png(shade: int) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(np.full((10, 12, 3), shade, np.uint8)).save(buffer, "PNG")
    return buffer.getvalue()


def test_neighbours_and_place_follow_the_filter(client):
    client.post("/api/v1/projects", json={"name": "walk", "categories": ["a"]}).raise_for_status()
    ids = []
    for shade in range(5):
        files = [("files", (f"i{shade}.png", _png(shade * 40), "image/png"))]
        ids.append(client.post("/api/v1/projects/walk/images", files=files).json()["added"][0]["id"])
    category = client.get("/api/v1/projects/walk").json()["categories"][0]["id"]
    for annotated in (ids[1], ids[2]):
        body = {"category_id": category, "geometry": SQUARE}
        client.post(f"/api/v1/images/{annotated}/annotations", json=body).raise_for_status()

    def place(image_id: int, **query: str) -> dict:
        answer = client.get(f"/api/v1/images/{image_id}/neighbours", params=query)
        answer.raise_for_status()
        return answer.json()

    # no filter: the whole project, oldest first
    assert place(ids[2]) == {"previous": ids[1], "next": ids[3], "position": 3, "total": 5}
    # filtered to unannotated (0, 3, 4): from 0 the next is 3, skipping the annotated ones
    assert place(ids[0], status="unannotated") == {"previous": None, "next": ids[3], "position": 1, "total": 3}
    assert place(ids[4], status="unannotated") == {"previous": ids[3], "next": None, "position": 3, "total": 3}
    # an image that left the filter (annotated since): no place, yet next / previous go on from it
    assert place(ids[1], status="unannotated") == {"previous": ids[0], "next": ids[3], "position": None, "total": 3}
    # any of the grid's filters: a class, chosen ids
    assert place(ids[1], category_id=str(category)) == {"previous": None, "next": ids[2], "position": 1, "total": 2}
    assert place(ids[4], ids=f"{ids[0]},{ids[4]}")["previous"] == ids[0]


def test_a_grid_page_counts_the_proposals_waiting_on_each_image(client):
    client.post("/api/v1/projects", json={"name": "waiting", "categories": ["a"]}).raise_for_status()
    ids = []
    for shade in range(2):
        files = [("files", (f"w{shade}.png", _png(shade * 90), "image/png"))]
        ids.append(client.post("/api/v1/projects/waiting/images", files=files).json()["added"][0]["id"])
    category = client.get("/api/v1/projects/waiting").json()["categories"][0]["id"]
    made = []
    for source in ("model:3", "model:3", "propagate:interpolate", "manual"):
        body = {"category_id": category, "geometry": SQUARE, "source": source}
        made.append(client.post(f"/api/v1/images/{ids[0]}/annotations", json=body).json())
    accepted = {"revision": made[0]["revision"], "attributes": {"accepted": True}}
    client.patch(f"/api/v1/annotations/{made[0]['id']}", json=accepted).raise_for_status()

    page = {i["id"]: i for i in client.get("/api/v1/projects/waiting/images").json()["items"]}
    assert page[ids[0]]["proposals"] == 2  # one model proposal accepted, the drawn one is no proposal
    assert page[ids[1]]["proposals"] == 0
