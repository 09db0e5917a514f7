"""Trained models as stored: weights in the blob store, the rest here. Pretrained models (published COCO
checkpoints deployed as they are) are rows of the same table with no project or version, named by ``pretrained``:
inference, export and serving treat both alike."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from seglab.errors import InvalidInputError, NotFoundError
from seglab.store._models import ModelExportRow, ModelRow, ProjectRow, VersionRow


@dataclass(frozen=True)
class TrainedModel:
    id: int
    project: str | None
    """The project it was trained in; ``None`` for a pretrained model."""
    version: str | None
    """``project/number`` of the version it was trained on; ``None`` for a pretrained model."""
    architecture: str
    weights_sha256: str
    class_names: list[str]
    config: dict[str, Any]
    metrics: dict[str, Any]
    created_at: datetime
    pretrained: str | None = None
    """The name a pretrained model is deployed by (``rfdetr-seg-nano``); ``None`` for a trained model."""

    @property
    def reference(self) -> str:
        """What the inference API takes as ``model_id``: ``project/version``, or a pretrained model's name."""
        return self.pretrained or self.version or str(self.id)


@dataclass(frozen=True)
class ModelExport:
    model_id: int
    format: str
    sha256: str
    """The exported file in the blob store."""
    details: dict[str, Any]
    created_at: datetime


def _model(row: ModelRow, project: str | None, version_number: int | None) -> TrainedModel:
    return TrainedModel(
        row.id,
        project,
        None if project is None else f"{project}/{version_number}",
        row.architecture,
        row.weights_sha256,
        list(row.class_names["names"]),
        row.config,
        row.metrics,
        row.created_at,
        row.pretrained,
    )


def _query() -> Any:
    """Models with their project's name and version's number (outer joins: a pretrained model has neither)."""
    return (
        select(ModelRow, ProjectRow.name, VersionRow.number)
        .outerjoin(ProjectRow, ProjectRow.id == ModelRow.project_id)
        .outerjoin(VersionRow, VersionRow.id == ModelRow.version_id)
    )


def create_model(
    session: Session,
    *,
    version_id: int,
    architecture: str,
    weights_sha256: str,
    class_names: list[str],
    config: dict[str, Any],
    metrics: dict[str, Any],
) -> TrainedModel:
    version = session.get(VersionRow, version_id)
    if version is None:
        raise NotFoundError(f"version {version_id} does not exist")
    row = ModelRow(
        project_id=version.project_id,
        version_id=version_id,
        architecture=architecture,
        weights_sha256=weights_sha256,
        class_names={"names": class_names},
        config=config,
        metrics=metrics,
    )
    session.add(row)
    session.flush()
    return get_model(session, row.id)


def get_model(session: Session, model_id: int) -> TrainedModel:
    found = session.execute(_query().where(ModelRow.id == model_id)).first()
    if found is None:
        raise NotFoundError(f"model {model_id} does not exist", model=model_id)
    return _model(*found)


def all_models(session: Session) -> list[TrainedModel]:
    """Every trained model (pretrained ones are listed by :func:`pretrained_models`)."""
    query = _query().where(ModelRow.project_id.is_not(None)).order_by(ModelRow.id)
    return [_model(*row) for row in session.execute(query)]


def pretrained_models(session: Session) -> list[TrainedModel]:
    """Every pretrained model this workspace holds, by name."""
    query = _query().where(ModelRow.pretrained.is_not(None)).order_by(ModelRow.pretrained)
    return [_model(*row) for row in session.execute(query)]


def find_pretrained(session: Session, name: str) -> TrainedModel | None:
    found = session.execute(_query().where(ModelRow.pretrained == name)).first()
    return None if found is None else _model(*found)


def save_pretrained(
    session: Session,
    *,
    name: str,
    architecture: str,
    weights_sha256: str,
    class_names: list[str],
    config: dict[str, Any],
) -> TrainedModel:
    """Record the pretrained model ``name``, or give the one recorded new weights (its exports, made from the old
    weights, are dropped)."""
    row = session.execute(select(ModelRow).where(ModelRow.pretrained == name)).scalar_one_or_none()
    if row is None:
        row = ModelRow(pretrained=name, metrics={})
        session.add(row)
    else:
        session.execute(delete(ModelExportRow).where(ModelExportRow.model_id == row.id))
    row.architecture, row.weights_sha256 = architecture, weights_sha256
    row.class_names, row.config = {"names": class_names}, config
    session.flush()
    return get_model(session, row.id)


def list_models(session: Session, project_id: int) -> list[TrainedModel]:
    rows = session.execute(_query().where(ModelRow.project_id == project_id).order_by(ModelRow.id))
    return [_model(*row) for row in rows]


def latest_model_of_version(session: Session, project: str, version_number: int) -> TrainedModel:
    """The model Roboflow's ``project/version`` model ids name: the one deployed on ``project/version_number`` (see
    :func:`deploy_model`), else the newest trained on it."""
    deployed = session.execute(
        _query()
        .where(ProjectRow.name == project, VersionRow.number == version_number)
        .where(ModelRow.id == VersionRow.deployed_model_id)
    ).first()
    if deployed is not None:
        return _model(*deployed)
    found = session.execute(
        _query()
        .where(ProjectRow.name == project, VersionRow.number == version_number)
        .order_by(ModelRow.id.desc())
        .limit(1)
    ).first()
    if found is None:
        raise NotFoundError(f"no model is trained on {project}/{version_number}", model=f"{project}/{version_number}")
    return _model(*found)


def deploy_model(session: Session, model_id: int) -> TrainedModel:
    """Make the model the one its version's ``project/version`` names."""
    row = session.get(ModelRow, model_id)
    if row is None:
        raise NotFoundError(f"model {model_id} does not exist", model=model_id)
    if row.version_id is None:
        raise InvalidInputError(f"model {model_id} is the pretrained {row.pretrained}: it has no version to deploy on")
    version = session.get(VersionRow, row.version_id)
    assert version is not None  # models cascade with their version
    version.deployed_model_id = model_id
    session.flush()
    return get_model(session, model_id)


def models_of_version(session: Session, project: str, version_number: int) -> tuple[list[TrainedModel], int | None]:
    """Every model trained on ``project/version_number`` (oldest first) and the id of the one deployed there."""
    rows = session.execute(
        _query().where(ProjectRow.name == project, VersionRow.number == version_number).order_by(ModelRow.id)
    ).all()
    models = [_model(*row) for row in rows]
    deployed = latest_model_of_version(session, project, version_number).id if models else None
    return models, deployed


def _export(row: ModelExportRow) -> ModelExport:
    return ModelExport(row.model_id, row.format, row.sha256, row.details, row.created_at)


def _export_row(session: Session, model_id: int, format: str) -> ModelExportRow | None:
    query = select(ModelExportRow).where(ModelExportRow.model_id == model_id, ModelExportRow.format == format)
    return session.execute(query).scalar_one_or_none()


def get_export(session: Session, model_id: int, format: str) -> ModelExport | None:
    row = _export_row(session, model_id, format)
    return None if row is None else _export(row)


def list_exports(session: Session, model_id: int) -> list[ModelExport]:
    """Every export of a model, by format."""
    query = select(ModelExportRow).where(ModelExportRow.model_id == model_id).order_by(ModelExportRow.format)
    return [_export(row) for row in session.execute(query).scalars()]


def save_export(session: Session, model_id: int, format: str, sha256: str, details: dict[str, Any]) -> ModelExport:
    """Record (or replace) the ``format`` export of a model."""
    row = _export_row(session, model_id, format)
    if row is None:
        row = ModelExportRow(model_id=model_id, format=format, sha256=sha256, details=details)
        session.add(row)
    else:
        row.sha256, row.details = sha256, details
    session.flush()
    return _export(row)
