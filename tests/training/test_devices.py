"""``--devices`` (several GPUs): from the CLI, the API and the job parameters into rfdetr's training configuration.

No GPU here, so nothing trains: the tests stop where rfdetr takes over, at the ``TrainConfig`` that rfdetr's
``RFDETR.train`` builds from the same keyword arguments the training process passes (and from which its
``build_trainer`` gives Lightning ``devices`` and ``strategy``).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from seglab.cli import app
from seglab.errors import InvalidInputError
from seglab.models import TrainSettings
from seglab.models.rfdetr_backend import trainer_options

from ..tiny_model import register_tiny_model


@pytest.mark.slow  # imports rfdetr (torch, Lightning)
@pytest.mark.parametrize(("devices", "strategy"), [(2, None), ("0,1", "ddp")])
def test_devices_and_strategy_reach_rfdetrs_train_config(devices, strategy, tmp_path):
    from rfdetr.config import SegmentationTrainConfig

    options = trainer_options(TrainSettings(device="cuda", devices=devices, strategy=strategy))
    options.pop("device")  # rfdetr.train() turns it into Lightning's accelerator ("cuda": the GPUs, no index)
    config = SegmentationTrainConfig(dataset_dir=str(tmp_path), output_dir=str(tmp_path), **options)
    assert config.devices == devices
    assert config.strategy == (strategy or "auto")


def test_one_device_trains_as_before():
    assert "devices" not in trainer_options(TrainSettings(device="cuda:1"))
    assert "strategy" not in trainer_options(TrainSettings())


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"devices": 2}, "--device cuda, not cpu"),
        ({"device": "cuda:0", "devices": 2}, "not cuda:0"),
        ({"device": "cuda", "devices": "two"}, "GPU count"),
        ({"device": "cuda", "devices": 0}, "GPU count"),
        ({"device": "cuda", "strategy": "ddp"}, "give --devices"),
    ],
)
def test_impossible_device_choices_are_refused(settings, message):
    with pytest.raises(InvalidInputError, match=message):
        TrainSettings(**settings)


@pytest.mark.slow
def test_cli_and_api_queue_training_with_devices(seglab_home: Path):
    version = register_tiny_model(seglab_home)
    command = ["train", version, "--device", "cuda", "--devices", "0,1", "--strategy", "ddp", "--background"]
    result = CliRunner().invoke(app, [*command, "--json"])
    assert result.exit_code == 0, result.output
    settings = json.loads(result.output)["params"]["settings"]
    assert (settings["devices"], settings["strategy"]) == ("0,1", "ddp")

    refused = CliRunner().invoke(app, ["train", version, "--devices", "2", "--background", "--json"])
    assert refused.exit_code == 1
    assert "--device cuda" in json.loads(refused.output)["error"]["message"]

    from fastapi.testclient import TestClient

    from seglab.server import create_app

    server = create_app()
    with TestClient(server) as client:  # on loopback, with no accounts yet: the local admin
        version_id = client.get("/api/v1/projects/tiny/versions").json()[0]["id"]
        queued = client.post(f"/api/v1/versions/{version_id}/train", json={"device": "cuda", "devices": 2})
        assert queued.status_code == 202, queued.text
        assert queued.json()["params"]["settings"]["devices"] == 2
        refused_api = client.post(f"/api/v1/versions/{version_id}/train", json={"devices": 2})
        assert refused_api.status_code == 400, refused_api.text
        assert "--device cuda" in refused_api.json()["error"]["message"]
    server.state.workspace.close()
