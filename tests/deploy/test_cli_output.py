"""What the CLI prints around a trained model: no library warnings or log lines unless ``--verbose`` (so ``--json``
output is JSON and nothing else), and ``model show`` as a table. Run as real ``seglab`` processes: warnings and
library loggers behave there as they do for people, not as pytest configures them."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

pytestmark = [pytest.mark.xdist_group("deploy"), pytest.mark.slow, pytest.mark.training]


def _seglab(*arguments: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [sys.executable, "-m", "seglab", *arguments], capture_output=True, text=True, env=os.environ, check=False
    )
    assert done.returncode == 0, done.stderr
    return done


def test_predicting_with_pytorch_prints_json_only_unless_verbose(deployed):
    """Loading the model in PyTorch makes rfdetr warn (pretrain_weights=None) and log; none of it is seglab's
    answer."""
    arguments = ("predict", deployed.reference, str(deployed.images[0]), "--backend", "torch", "--confidence", "0")
    quiet = _seglab(*arguments)
    (answer,) = json.loads(quiet.stdout)  # JSON, and only JSON, on standard output
    assert answer["predictions"]
    assert quiet.stderr == ""
    verbose = _seglab("--verbose", *arguments)
    (again,) = json.loads(verbose.stdout)
    assert [p["confidence"] for p in again["predictions"]] == [p["confidence"] for p in answer["predictions"]]
    # the library notices are still there for whoever asks: torch.jit's warning, rf-detr's own logger
    assert "torch.jit.script` is deprecated" in verbose.stderr
    assert "rf-detr" in verbose.stderr


def test_model_show_prints_a_table_or_json(deployed):
    table = _seglab("model", "show", str(deployed.model_id)).stdout
    assert f"model {deployed.model_id}" in table
    assert "architecture" in table
    assert "rfdetr-seg-nano" in table
    assert "TrainedModel(" not in table  # not a dataclass repr
    shown = json.loads(_seglab("model", "show", str(deployed.model_id), "--json").stdout)
    assert (shown["id"], shown["version"]) == (deployed.model_id, deployed.reference)
