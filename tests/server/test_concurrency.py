"""Two clients editing one annotation through a real server on loopback: exactly one wins."""

from __future__ import annotations

import threading

import httpx
import pytest

from ..formats.conftest import write_image


@pytest.mark.slow
def test_two_clients_same_revision_one_wins_one_conflicts(shared_server, unique_name, tmp_path):
    api = f"{shared_server}/api/v1"
    httpx.post(f"{api}/projects", json={"name": unique_name, "categories": ["car"]}).raise_for_status()
    path = write_image(tmp_path / "street.png")
    uploaded = httpx.post(
        f"{api}/projects/{unique_name}/images", files=[("files", (path.name, path.read_bytes(), "image/png"))]
    )
    image = uploaded.json()["added"][0]
    category = httpx.get(f"{api}/projects/{unique_name}").json()["categories"][0]
    square = {"type": "polygon", "parts": [{"exterior": [1, 1, 11, 1, 11, 11, 1, 11], "holes": []}]}
    created = httpx.post(
        f"{api}/images/{image['id']}/annotations", json={"category_id": category["id"], "geometry": square}
    )
    annotation = created.json()

    barrier = threading.Barrier(2)
    responses: dict[str, httpx.Response] = {}

    def edit(user: str, size: int) -> None:
        geometry = {"type": "polygon", "parts": [{"exterior": [0, 0, size, 0, size, size, 0, size], "holes": []}]}
        with httpx.Client(headers={"X-Seglab-User": user}) as http:
            barrier.wait()
            responses[user] = http.patch(
                f"{api}/annotations/{annotation['id']}", json={"revision": annotation["revision"], "geometry": geometry}
            )

    threads = [threading.Thread(target=edit, args=("ana", 20)), threading.Thread(target=edit, args=("bo", 30))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    statuses = sorted(response.status_code for response in responses.values())
    assert statuses == [200, 409]
    winner = next(user for user, response in responses.items() if response.status_code == 200)
    loser = next(user for user, response in responses.items() if response.status_code == 409)
    assert responses[loser].json()["error"]["details"]["current_revision"] == 2
    final = httpx.get(f"{api}/annotations/{annotation['id']}").json()
    assert (final["revision"], final["author"]) == (2, winner)
    assert final["area"] == {"ana": 400, "bo": 900}[winner]


@pytest.mark.slow
def test_concurrent_uploads_of_the_same_bytes_store_one_image(shared_server, unique_name, tmp_path):
    """20 clients upload the same file at once: one stores it, the others are told it is a duplicate (before the
    fix several got a 500 IntegrityError from the unique (project, sha256) constraint)."""
    api = f"{shared_server}/api/v1"
    httpx.post(f"{api}/projects", json={"name": unique_name, "categories": []}).raise_for_status()
    data = write_image(tmp_path / "same.png").read_bytes()
    barrier = threading.Barrier(20)
    responses: list[httpx.Response] = []

    def upload() -> None:
        with httpx.Client(timeout=60) as http:
            barrier.wait()
            responses.append(http.post(f"{api}/projects/{unique_name}/images", files=[("files", ("same.png", data))]))

    threads = [threading.Thread(target=upload) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted({r.status_code for r in responses}) == [201], [r.text for r in responses if r.status_code != 201]
    outcomes = sorted(r.json()["files"][0]["outcome"] for r in responses)
    assert outcomes == ["duplicate"] * 19 + ["stored"]
    assert len({r.json()["files"][0]["image_id"] for r in responses}) == 1
    assert httpx.get(f"{api}/projects/{unique_name}/images").json()["total"] == 1
