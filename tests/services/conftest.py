from __future__ import annotations

from collections.abc import Iterator

import pytest

from seglab.core import Split
from seglab.formats import save_dataset
from seglab.services import Workspace, transfer

from ..formats.conftest import build_dataset


@pytest.fixture
def ws(seglab_home) -> Iterator[Workspace]:
    workspace = Workspace()
    yield workspace
    workspace.close()


@pytest.fixture
def coco_export(tmp_path):
    """The shared small dataset (polygons, two-part instance, hole, crowd) written as a COCO export."""
    save_dataset(
        build_dataset(tmp_path / "src", (Split.TRAIN, Split.VALID, Split.TEST)), tmp_path / "coco", format="coco"
    )
    return tmp_path / "coco"


@pytest.fixture
def project(ws, coco_export):
    """A project named ``pets`` holding the shared small dataset."""
    transfer.import_dataset(ws, coco_export, "pets", create_project=True)
    return "pets"
