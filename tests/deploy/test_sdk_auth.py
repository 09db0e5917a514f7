"""``inference-sdk`` with a real API key against ``seglab serve`` with accounts on (issue 18): both transports
(v1: the key in JSON bodies; v0: in the query string) infer with a live key, a user's or a deploy key, and a wrong
key is refused with 401. The key never reaches the access log."""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from seglab.services import accounts, credentials
from seglab.store import Workspace

from ..server.conftest import running_server
from .conftest import SDK_PYTHON, Deployed

pytestmark = [pytest.mark.xdist_group("deploy"), pytest.mark.slow]


@dataclass(frozen=True)
class Guarded:
    url: str
    log: Path
    key: str
    deploy_key: str


@pytest.fixture(scope="module")
def guarded(trained: Deployed, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Guarded]:
    """A copy of the trained model's home with accounts (a user who may view the model's project, with a full key and
    a deploy key), served."""
    root = tmp_path_factory.mktemp("guarded")
    home = root / "home"
    shutil.copytree(trained.home, home)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SEGLAB_HOME", str(home))
        ws = Workspace()
        try:
            project = trained.reference.split("/")[0]
            accounts.create_user(ws, "deployer", "correct horse battery", roles={project: "viewer"})
            key = credentials.create_key(ws, "deployer", name="laptop").secret
            deploy_key = credentials.create_key(ws, "deployer", name="camera", scope="inference").secret
        finally:
            ws.close()
    settings = {"SEGLAB_HOME": str(home), "SEGLAB_WORKERS": "0"}
    with running_server(root / "serve.log", **settings) as url:
        yield Guarded(url, root / "serve.log", key, deploy_key)


def _sdk(guarded: Guarded, deployed: Deployed, key: str) -> dict:
    if not SDK_PYTHON.exists():
        pytest.fail(f"Roboflow's client is not installed in {SDK_PYTHON.parent.parent}: run `make sdk`")
    script = Path(__file__).with_name("sdk_auth_client.py")
    args = [str(SDK_PYTHON), str(script), guarded.url, deployed.reference, key, str(deployed.images[0])]
    finished = subprocess.run(args, capture_output=True, text=True, timeout=300)
    assert finished.returncode == 0, finished.stderr[-3000:]
    return dict(json.loads(finished.stdout))


@pytest.mark.parametrize("which", ["key", "deploy_key"])
def test_inference_sdk_with_a_real_key_in_both_transports(guarded, deployed, which):
    key = getattr(guarded, which)
    result = _sdk(guarded, deployed, key)
    for transport in ("v1", "v0"):
        assert result[transport]["status"] == 200, result[transport]
        assert result[transport]["image"] == {"width": 128, "height": 96}
        assert result[f"{transport}_wrong"]["status"] == 401
        assert "not valid" in result[f"{transport}_wrong"]["message"]
    assert key not in guarded.log.read_text()


def test_bearer_header_and_no_key(guarded, deployed):
    body = {"model_id": deployed.reference, "image": {"type": "base64", "value": ""}}
    body["image"]["value"] = base64.b64encode(deployed.images[0].read_bytes()).decode()
    url = f"{guarded.url}/infer/instance_segmentation"
    answer = httpx.post(url, json=body, headers={"Authorization": f"Bearer {guarded.deploy_key}"}, timeout=60)
    assert answer.status_code == 200, answer.text
    refused = httpx.post(url, json=body, timeout=60)
    assert refused.status_code == 401
    assert refused.headers["www-authenticate"] == "Bearer"
