"""Roboflow's dataset upload block (its fields) storing into a project: sampling, quotas per minute/hour/day,
predictions kept as proposals, images downsized, labelling batches as tags."""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
import pytest

from seglab.services import images, projects
from seglab.services.workflows import local_environment
from seglab.store import Workspace
from seglab.store import annotations as annotation_store
from seglab.workflows import StepContext, default_registry
from seglab.workflows.blocks.sinks import batch_tag
from seglab.workflows.usage_quota import UsageQuotas
from seglab.workflows.values import WorkflowImage

from .conftest import detections, scene

TYPE = "roboflow_core/roboflow_dataset_upload@v2"


def _collect(ws: Workspace, seed: int, **fields: Any) -> dict[str, Any]:
    block = default_registry().get(TYPE)
    manifest = {"name": "collect", "type": TYPE, "image": "$inputs.image", "predictions": "$inputs.p", **fields}
    pixels = scene()
    pixels[:16, :16] = seed * 17  # another image each time (the same bytes would be one image)
    step = block.manifest.model_validate(manifest).model_copy(
        update={
            "images": WorkflowImage(pixels, f"frame-{seed}"),
            "predictions": detections(("cat", 0.8, (10, 10, 60, 50))),
        }
    )
    return block().run(step, StepContext("collect", TYPE, local_environment(ws)))


def test_the_upload_block_samples_keeps_its_quota_and_stores_predictions_as_proposals(ws: Workspace) -> None:
    projects.create_project(ws, "traffic", ["cat"])
    fields = {
        "target_project": "traffic",
        "usage_quota_name": "traffic-test-quota",
        "minutely_usage_limit": 3,
        "max_image_size": (64, 64),
        "registration_tags": ["gate-2"],
        "labeling_batch_prefix": "from-gate",
    }
    answers = [_collect(ws, seed, **fields) for seed in range(5)]
    messages = [answer["message"] for answer in answers]
    assert [m.startswith("stored image") for m in messages] == [True, True, True, False, False]
    assert messages[3] == "Registration skipped due to usage quota: 3 per minute ('traffic-test-quota')"
    assert not any(answer["error_status"] for answer in answers)

    stored, total = images.list_images(ws, "traffic")
    assert total == 3
    assert {(i.width, i.height) for i in stored} == {(64, 48)}  # 128x96 downsized within 64x64
    assert set(stored[0].tags) == {"gate-2", "from-gate"}
    with ws.db.transaction() as session:
        proposals = annotation_store.list_annotations(session, [i.id for i in stored])
    assert len(proposals) == 3
    assert {p.annotation.source for p in proposals} == {"workflow:collect"}
    assert proposals[0].annotation.bbox_xyxy.tolist() == pytest.approx([5, 5, 30, 25], abs=1)

    other = {**fields, "usage_quota_name": "another-quota"}
    assert _collect(ws, 10, **other, data_percentage=0)["message"] == "Registration skipped due to sampling settings"
    assert _collect(ws, 11, **other, disable_sink=True)["message"] == "Sink was disabled by parameter `disable_sink`"
    kept = _collect(ws, 12, **other, persist_predictions=False)
    assert kept["message"].endswith("with 0 proposals")


def test_quotas_slide_per_minute_hour_and_day() -> None:
    now = [0.0]
    quotas = UsageQuotas(clock=lambda: now[0])
    limits = {"minute": 2, "hour": 3, "day": 10}
    assert [quotas.take("q", limits) for _ in range(3)] == [None, None, "minute"]
    now[0] = 61.0
    assert [quotas.take("q", limits) for _ in range(2)] == [None, "hour"]
    assert quotas.take("other", limits) is None  # quotas are counted by name
    now[0] = 3700.0
    assert quotas.take("q", limits) is None


@pytest.mark.parametrize(
    ("frequency", "expected"),
    [("never", "b"), ("daily", "b_2026_03_04"), ("weekly", "b_2026_w10"), ("monthly", "b_2026_03")],
)
def test_labelling_batches_are_tags_recreated_as_often_as_asked(frequency: str, expected: str) -> None:
    assert batch_tag("b", frequency, date(2026, 3, 4)) == expected


def test_the_block_is_listed_with_roboflows_fields() -> None:
    schema = default_registry().get(TYPE).manifest.model_json_schema()
    assert {
        "usage_quota_name",
        "data_percentage",
        "persist_predictions",
        "minutely_usage_limit",
        "hourly_usage_limit",
        "daily_usage_limit",
    } <= set(schema["properties"])
    assert np.isclose(schema["properties"]["data_percentage"]["default"], 100)
