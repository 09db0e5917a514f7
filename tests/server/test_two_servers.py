"""Two ``seglab serve`` processes on one database (and blob store), as behind a load balancer: what one writes the
other serves, and a stale edit through one is refused after a newer edit through the other."""

from __future__ import annotations

import httpx
import pytest

from ..formats.conftest import write_image
from .conftest import running_server

pytestmark = [pytest.mark.slow]


def test_two_servers_on_one_database_share_data_and_refuse_stale_edits(seglab_home, tmp_path):
    square = {"type": "polygon", "parts": [{"exterior": [1, 1, 11, 1, 11, 11, 1, 11], "holes": []}]}
    with running_server(tmp_path / "a.log") as first, running_server(tmp_path / "b.log") as second:
        a, b = f"{first}/api/v1", f"{second}/api/v1"
        httpx.post(f"{a}/projects", json={"name": "shared", "categories": ["car"]}).raise_for_status()
        path = write_image(tmp_path / "street.png")
        uploaded = httpx.post(f"{b}/projects/shared/images", files=[("files", (path.name, path.read_bytes()))])
        image = uploaded.json()["added"][0]["id"]
        category = httpx.get(f"{b}/projects/shared").json()["categories"][0]["id"]
        created = httpx.post(f"{a}/images/{image}/annotations", json={"category_id": category, "geometry": square})
        annotation = created.json()
        assert httpx.get(f"{b}/images/{image}/file").content == path.read_bytes()

        bigger = {"type": "polygon", "parts": [{"exterior": [0, 0, 20, 0, 20, 20, 0, 20], "holes": []}]}
        edited = httpx.patch(f"{b}/annotations/{annotation['id']}", json={"revision": 1, "geometry": bigger})
        assert edited.status_code == 200
        stale = httpx.patch(f"{a}/annotations/{annotation['id']}", json={"revision": 1, "geometry": square})
        assert stale.status_code == 409
        assert stale.json()["error"]["details"]["current_revision"] == 2
        assert httpx.get(f"{a}/annotations/{annotation['id']}").json()["area"] == 400
