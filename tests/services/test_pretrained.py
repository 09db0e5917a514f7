"""Pretrained models without the network: added from a file (or the refusal that says how to give one), found by
their Roboflow-style name, kept apart from trained models, decided as the workspace's (not a project's) by the
permissions, and chosen by the agent only when no trained model knows the class asked for."""

from __future__ import annotations

import importlib.util
import urllib.error

import pytest

from seglab.errors import ForbiddenError, NotFoundError
from seglab.models.pretrained import coco_class_slots
from seglab.models.weights import WeightsUnavailableError
from seglab.services import agent, inference, permissions, pretrained, projects, training
from seglab.services.accounts import Principal, create_user
from seglab.store import models as model_store
from seglab.store import versions as version_store


def _offline(url: str, timeout: float):
    raise urllib.error.URLError("no network")


@pytest.fixture
def checkpoint(tmp_path):
    """Bytes standing for a checkpoint: adding a pretrained model stores the file without reading it."""
    path = tmp_path / "nano.pth"
    path.write_bytes(b"a checkpoint")
    return path


def test_offline_the_error_says_how_to_give_the_file(ws, seglab_home):
    with pytest.raises(WeightsUnavailableError) as refused:
        pretrained.add_pretrained(ws, "rfdetr-seg-nano", opener=_offline)
    message = str(refused.value)
    assert "seglab model pretrained add rfdetr-seg-nano --weights PATH" in message
    assert str(seglab_home / "weights" / "rf-detr-seg-nano.pt") in message
    assert pretrained.list_pretrained(ws) == []
    with pytest.raises(NotFoundError, match="unknown pretrained model 'rfdetr-seg-huge'"):
        pretrained.add_pretrained(ws, "rfdetr-seg-huge", opener=_offline)


def test_a_pretrained_model_is_a_model_named_by_its_roboflow_id_with_cocos_classes(ws, checkpoint):
    added = pretrained.add_pretrained(ws, "rfdetr-seg-nano", weights=checkpoint, resolution=96)
    assert (added.pretrained, added.project, added.version, added.reference) == (
        "rfdetr-seg-nano", None, None, "rfdetr-seg-nano",
    )  # fmt: skip
    assert added.class_names == coco_class_slots()
    assert added.class_names[3] == "car"  # COCO's category id is the network's class slot
    assert added.config == {"resolution": 96}
    assert ws.blobs.exists(added.weights_sha256)
    assert inference.resolve_model(ws, "rfdetr-seg-nano") == added
    assert inference.resolve_model(ws, "coco-dataset-vdnr1/41") == added  # what Roboflow's client sends for it
    assert inference.resolve_model(ws, str(added.id)) == added
    assert pretrained.list_pretrained(ws) == [added]
    assert training.all_models(ws) == []  # trained models are listed apart

    with ws.db.transaction() as session:
        model_store.save_export(session, added.id, "onnx", added.weights_sha256, {})
    again = pretrained.add_pretrained(ws, "rfdetr-seg-nano", weights=checkpoint)
    assert again.id == added.id
    assert again.config == {}
    with ws.db.transaction() as session:
        assert model_store.get_export(session, added.id, "onnx") is None  # made from the weights it had before


@pytest.mark.skipif(importlib.util.find_spec("ultralytics") is None, reason="seglab[yolo] is not installed")
def test_a_yolo_pretrained_model_is_named_also_by_roboflows_id(ws, checkpoint, seglab_home):
    with pytest.raises(WeightsUnavailableError) as refused:
        pretrained.add_pretrained(ws, "yolov11n-seg-640", opener=_offline)
    assert "seglab model pretrained add yolo11n-seg --weights PATH" in str(refused.value)
    assert str(seglab_home / "weights" / "yolo11n-seg.pt") in str(refused.value)

    added = pretrained.add_pretrained(ws, "yolov11n-seg-640", weights=checkpoint)
    assert (added.pretrained, added.architecture) == ("yolo11n-seg", "yolo11n-seg")
    assert added.class_names == [name for name in coco_class_slots() if name]  # YOLO's 80 classes, in order
    assert added.class_names[2] == "car"
    assert inference.resolve_model(ws, "yolov11n-seg-640") == added
    assert inference.resolve_model(ws, "yolo11n-seg") == added
    assert inference.resolve_model(ws, "coco-dataset-vdnr1/19") == added


def test_a_pretrained_model_has_no_version_to_deploy_or_evaluate_on(ws, checkpoint):
    from seglab.errors import InvalidInputError
    from seglab.services import evaluation, leaderboard

    added = pretrained.add_pretrained(ws, "rfdetr-seg-nano", weights=checkpoint)
    with pytest.raises(InvalidInputError, match="no version to deploy on"):
        leaderboard.deploy(ws, added.id)
    with pytest.raises(InvalidInputError, match="name the version"):
        evaluation.evaluate_model(ws, added.id)


def test_anyone_who_may_run_models_somewhere_may_run_a_pretrained_one(ws, checkpoint):
    added = pretrained.add_pretrained(ws, "rfdetr-seg-nano", weights=checkpoint)
    projects.create_project(ws, "p1", ["a"])
    viewer = create_user(ws, "vera", None, roles={"p1": "viewer"})
    nobody = create_user(ws, "nora", None)
    as_viewer = Principal(viewer.name, viewer.id, False)
    deploy_key = Principal(viewer.name, viewer.id, False, scope="inference")
    for reference in ("rfdetr-seg-nano", str(added.id), "coco-dataset-vdnr1/41", "rfdetr-seg-small"):  # last: not added
        assert permissions.authorize(ws, as_viewer, "model.infer", ("model", reference)).project_id is None
        assert permissions.authorize(ws, deploy_key, "model.infer", ("model", reference)).project_id is None
        with pytest.raises(ForbiddenError):
            permissions.authorize(ws, Principal(nobody.name, nobody.id, False), "model.infer", ("model", reference))
    with pytest.raises(ForbiddenError):  # a viewer may not train anywhere
        permissions.authorize(ws, as_viewer, "model.train", ("model", added.id))


def _trained_model(ws, project: str, classes: list[str]) -> int:
    created = projects.create_project(ws, project, classes)
    with ws.db.transaction() as session:
        version = version_store.create_version(
            session, created.id, recipe={}, categories=[], statistics={}, content_hash=project, images=[]
        )
        return model_store.create_model(
            session,
            version_id=version.id,
            architecture="rfdetr-seg-nano",
            weights_sha256=ws.blobs.put_bytes(b"weights"),
            class_names=classes,
            config={},
            metrics={},
        ).id


def _filtered_classes(definition: dict) -> list[str] | None:
    for step in definition["steps"]:
        for operation in step.get("operations", []):
            statement = operation.get("filter_operation", {}).get("statements", [{}])[0]
            right = statement.get("right_operand", {})
            if right.get("value") is not None:
                return list(right["value"])
    return None


def test_the_agent_falls_back_to_a_pretrained_model_only_when_no_trained_model_knows_the_class(ws, checkpoint):
    pets = _trained_model(ws, "pets", ["cat", "dog"])
    added = pretrained.add_pretrained(ws, "rfdetr-seg-nano", weights=checkpoint)

    cars = agent.plan_request(ws, "segment cars", workflow="cars").plan
    assert cars.definition["steps"][0]["model_id"] == "rfdetr-seg-nano"
    assert _filtered_classes(cars.definition) == ["car"]
    assert any(f"pretrained COCO model rfdetr-seg-nano (model {added.id})" in note for note in cars.notes)

    dogs = agent.plan_request(ws, "segment dogs", workflow="dogs").plan
    assert dogs.definition["steps"][0]["model_id"] == "pets/1"  # the trained model knows dogs: it comes first
    assert any(f"model {pets}" in note for note in dogs.notes)
    unknown = agent.plan_request(ws, "segment hamsters", workflow="hamsters").plan
    assert unknown.definition["steps"][0]["model_id"] == "pets/1"  # COCO has none either: the newest trained one


def test_with_only_a_pretrained_model_coco_classes_use_it_and_others_open_vocabulary(ws, checkpoint):
    pretrained.add_pretrained(ws, "rfdetr-seg-nano", weights=checkpoint)
    cars = agent.plan_request(ws, "segment cars", workflow="cars").plan
    assert cars.definition["steps"][0]["model_id"] == "rfdetr-seg-nano"
    helmets = agent.plan_request(ws, "segment helmets", workflow="helmets").plan
    assert "open_vocabulary" in helmets.definition["steps"][0]["type"] or any(
        "open-vocabulary" in note for note in helmets.notes
    )
