"""Label assist: run a trained model over a project's images and store what it finds as annotations to review.

Each proposal is an ordinary annotation (a polygon the editor can change) with ``source="model:<id>"``
and the model's confidence, so a reviewer can filter, accept (edit or keep) or delete it, and undo
brings back what was there before.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from seglab.core import ImageRecord, ImageStatus
from seglab.errors import InvalidInputError, SeglabError
from seglab.models import PredictOptions
from seglab.models.registry import Backend, load_model
from seglab.store import NewAnnotation, Project, Workspace
from seglab.store import annotations as annotation_store
from seglab.store import images as image_store
from seglab.store import projects as project_store

Progress = Callable[[int, int], None]


@dataclass
class LabelAssistReport:
    model_id: int
    images: int = 0
    annotations: int = 0
    unmatched_classes: list[str] = field(default_factory=list)
    """Model classes with no category of that name in the project: their instances were not stored."""
    failed: list[tuple[int, str]] = field(default_factory=list)
    """``(image id, reason)`` for images that could not be read."""


def match_categories(categories: Sequence[tuple[int, str]], class_names: Sequence[str]) -> dict[str, int]:
    """Model class name → project category id, by exact name, else ignoring case."""
    exact = {name: category_id for category_id, name in categories}
    folded = {name.casefold(): category_id for category_id, name in categories}
    mapping = {}
    for name in class_names:
        found = exact.get(name, folded.get(name.casefold()))
        if found is not None:
            mapping[name] = found
    return mapping


def images_to_label(session: Session, project: Project, image_ids: Sequence[int] | None) -> list[ImageRecord]:
    """``image_ids`` (each checked to be in ``project``), or by default the project's unannotated images."""
    if image_ids is None:
        return [i for i in image_store.all_images(session, project.id) if i.status is ImageStatus.UNANNOTATED]
    foreign = [i for i in image_ids if image_store.image_row(session, i).project_id != project.id]
    if foreign:
        raise InvalidInputError(f"images {foreign} are not in project {project.name!r}")
    return [image_store.get_image(session, image_id) for image_id in image_ids]


def label_assist(
    ws: Workspace,
    project: int | str,
    model: int | str,
    *,
    image_ids: Sequence[int] | None = None,
    confidence: float = 0.5,
    tolerance: float = 1.0,
    backend: Backend | str = Backend.AUTO,
    author: str = "label-assist",
    progress: Progress = lambda done, total: None,
) -> LabelAssistReport:
    """Propose annotations on ``image_ids`` (default: the project's unannotated images)."""
    with ws.db.transaction() as session:
        target = project_store.get_project(session, project)
        chosen = images_to_label(session, target, image_ids)
    loaded = load_model(ws, model, backend)
    mapping = match_categories([(c.id, c.name) for c in target.categories], loaded.model.class_names)
    report = LabelAssistReport(
        loaded.model.id, unmatched_classes=[n for n in loaded.model.class_names if n not in mapping]
    )
    options = PredictOptions(confidence=confidence, class_filter=frozenset(mapping))
    for done, image in enumerate(chosen, start=1):
        assert image.sha256 is not None  # stored images always have their hash
        try:
            path = ws.blobs.local_path(image.sha256)
            prediction = loaded.predictor.predict_file(path, options, max_pixels=ws.settings.max_image_pixels)
        except SeglabError as error:
            report.failed.append((image.id, error.message))
            progress(done, len(chosen))
            continue
        with ws.db.transaction() as session:
            for index in range(len(prediction)):
                shape = prediction.polygon(index, tolerance)
                if shape is None:
                    continue
                new = NewAnnotation(
                    mapping[prediction.class_name[index]],
                    shape,
                    confidence=float(prediction.confidence[index]),
                    source=f"model:{loaded.model.id}",
                )
                annotation_store.create_annotation(session, image.id, new, author=author)
                report.annotations += 1
        report.images += 1
        progress(done, len(chosen))
    return report
