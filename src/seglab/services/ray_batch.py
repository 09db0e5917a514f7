"""Batch work on a Ray cluster (``--ray`` / ``SEGLAB_RAY_ADDRESS``): the optional ``seglab[ray]`` extra.

A use case hands this module small work items (image paths, blob digests or version render tasks, never pixels)
and a callback for results. Actors, one CPU each, open the workspace themselves (the same database and blob store as
the driver, through its settings; the version renderer only the blob store), load their model once, and answer a
batch of items per call; the driver writes each batch's results as it arrives. An actor whose process dies is
restarted by Ray and its unfinished calls are retried, so every item is answered exactly once. Nothing here is
imported unless a caller asks for Ray.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from seglab.assist.autolabel import AutolabelSettings, load_components, proposal_annotations, proposals_for
from seglab.core import Annotation, Progress
from seglab.errors import SeglabError
from seglab.models import PredictOptions
from seglab.models.registry import LoadedModel
from seglab.services.assist import smart_polygon
from seglab.services.evaluation import image_predictions
from seglab.services.inference import load_model, propose
from seglab.services.predict import ImageResult, ImageRun, ImageTask
from seglab.settings import Settings
from seglab.store import NewAnnotation, Workspace
from seglab.versions.render import RenderedImage, RenderTask, render_from_store

__all__ = [
    "AssistItem",
    "AssistResult",
    "AutolabelResult",
    "EvaluateItem",
    "EvaluateResult",
    "RayUnavailableError",
    "autolabel_images",
    "evaluate_images",
    "label_images",
    "map_batches",
    "predict_images",
    "render_tasks",
]

Item = TypeVar("Item")
Result = TypeVar("Result")

ACTOR_RESTARTS = 4
"""How often Ray restarts an actor whose process died, and retries the call it was answering, before giving up."""
IN_FLIGHT_PER_ACTOR = 2
"""Batches queued at each actor, so it starts the next while the driver writes the last one's results."""


class RayUnavailableError(SeglabError):
    """Ray is not installed, or the cluster cannot be reached or failed the work."""


@contextmanager
def connected(address: str) -> Iterator[Any]:
    """The ``ray`` module, connected to the cluster at ``address`` (an existing connection in this process is
    used as it is; one made here is closed at the end)."""
    try:
        import ray
    except ImportError:
        raise RayUnavailableError("batch work on Ray needs the ray extra: pip install 'seglab[ray]'") from None
    if ray.is_initialized():
        yield ray
        return
    try:
        ray.init(address=address, logging_level=logging.WARNING, log_to_driver=False)
    except (ConnectionError, RuntimeError, ValueError) as error:
        raise RayUnavailableError(f"cannot reach the Ray cluster at {address!r}: {error}") from error
    try:
        yield ray
    finally:
        ray.shutdown()


def map_batches(
    address: str,
    actor_class: type,
    actor_args: tuple[Any, ...],
    items: Sequence[Item],
    on_batch: Callable[[list[Result]], None],
    *,
    batch_size: int,
    actors: int = 0,
) -> None:
    """Call ``actor_class(*actor_args).run(batch)`` for every ``batch_size`` items on actors of the cluster at
    ``address`` (``actors``; 0: one per CPU), passing each batch's results to ``on_batch`` as they come."""
    if not items:
        return
    batches = deque(list(items[start : start + batch_size]) for start in range(0, len(items), batch_size))
    with connected(address) as ray:
        remote = ray.remote(num_cpus=1, max_restarts=ACTOR_RESTARTS, max_task_retries=ACTOR_RESTARTS)(actor_class)
        count = min(actors or max(1, int(ray.cluster_resources().get("CPU", 1))), len(batches))
        pool = [remote.remote(*actor_args) for _ in range(count)]
        in_flight: dict[Any, Any] = {}

        def submit(actor: Any) -> None:
            if batches:
                in_flight[actor.run.remote(batches.popleft())] = actor

        for actor in pool:
            for _ in range(IN_FLIGHT_PER_ACTOR):
                submit(actor)
        try:
            while in_flight:
                ready, _ = ray.wait(list(in_flight), num_returns=1)
                actor = in_flight.pop(ready[0])
                on_batch(ray.get(ready[0]))
                submit(actor)
        except ray.exceptions.RayError as error:
            raise RayUnavailableError(f"Ray batch work failed: {error}") from error
        finally:
            for actor in pool:
                ray.kill(actor)


def _actor_workspace(settings: Settings) -> Workspace:
    """The driver's workspace, opened by an actor: ONNX Runtime on one thread (the one CPU Ray gave the actor)
    unless ``inference_threads`` says otherwise, so actors sharing a host do not oversubscribe its cores."""
    return Workspace(settings.model_copy(update={"inference_threads": settings.inference_threads or 1}))


class PredictActor:
    """Holds one model; predicts batches of image files (``seglab predict``)."""

    def __init__(self, settings: Settings, model_id: int, backend: str, images: ImageRun) -> None:
        self.ws = _actor_workspace(settings)
        self.loaded = load_model(self.ws, model_id, backend)
        self.images = images

    def run(self, tasks: list[ImageTask]) -> list[ImageResult]:
        return [self.images.predict(self.loaded, task) for task in tasks]


def predict_images(
    ws: Workspace,
    loaded: LoadedModel,
    images: ImageRun,
    tasks: Sequence[ImageTask],
    address: str,
    *,
    on_batch: Callable[[list[ImageResult]], None],
) -> None:
    """``seglab predict``'s images on Ray, with the model and backend the driver loaded."""
    map_batches(
        address,
        PredictActor,
        (ws.settings, loaded.model.id, loaded.backend, images),
        tasks,
        on_batch,
        batch_size=ws.settings.ray_batch_size,
        actors=ws.settings.ray_actors,
    )


AssistItem = tuple[int, str]
"""``(image id, sha256)``: an image label assist reads from the blob store."""
AssistResult = tuple[int, list[NewAnnotation] | None, str | None]
"""``(image id, proposals, None)``, or ``(image id, None, reason)`` for an image that could not be read."""


class LabelAssistActor:
    """Holds one model; proposes annotations for batches of stored images (label assist)."""

    def __init__(
        self,
        settings: Settings,
        model_id: int,
        backend: str,
        options: PredictOptions,
        mapping: dict[str, int],
        tolerance: float,
    ) -> None:
        self.ws = _actor_workspace(settings)
        self.loaded = load_model(self.ws, model_id, backend)
        self.options, self.mapping, self.tolerance = options, mapping, tolerance

    def run(self, items: list[AssistItem]) -> list[AssistResult]:
        results: list[AssistResult] = []
        for image_id, digest in items:
            try:
                proposals = propose(self.ws, self.loaded, digest, self.options, self.mapping, self.tolerance)
            except SeglabError as error:
                results.append((image_id, None, error.message))
                continue
            results.append((image_id, proposals, None))
        return results


def label_images(
    ws: Workspace,
    loaded: LoadedModel,
    items: Sequence[AssistItem],
    address: str,
    *,
    options: PredictOptions,
    mapping: dict[str, int],
    tolerance: float,
    on_batch: Callable[[list[AssistResult]], None],
) -> None:
    """Label assist's predictions on Ray, with the model and backend the driver loaded."""
    map_batches(
        address,
        LabelAssistActor,
        (ws.settings, loaded.model.id, loaded.backend, options, mapping, tolerance),
        items,
        on_batch,
        batch_size=ws.settings.ray_batch_size,
        actors=ws.settings.ray_actors,
    )


EvaluateItem = tuple[int, str]
"""``(image id, sha256)``: a version image evaluation reads from the blob store."""
EvaluateResult = tuple[int, list[Annotation]]
"""``(image id, predictions)``, the predictions numbered 0 (the driver numbers them across the split)."""


class EvaluateActor:
    """Holds one model; predicts batches of a version's images for evaluation (the driver scores them)."""

    def __init__(self, settings: Settings, model_id: int, backend: str, by_name: dict[str, int]) -> None:
        self.ws = _actor_workspace(settings)
        self.loaded = load_model(self.ws, model_id, backend)
        self.by_name = by_name

    def run(self, items: list[EvaluateItem]) -> list[EvaluateResult]:
        model_id, predictor = self.loaded.model.id, self.loaded.predictor
        return [
            (image_id, image_predictions(model_id, predictor, self.ws.blobs.local_path(digest), image_id, self.by_name))
            for image_id, digest in items
        ]


def evaluate_images(
    ws: Workspace,
    model_id: int,
    backend: str,
    by_name: dict[str, int],
    items: Sequence[EvaluateItem],
    address: str,
    *,
    on_batch: Callable[[list[EvaluateResult]], None],
) -> None:
    """Evaluation's predictions on Ray: ``by_name`` maps the model's class names to the version's category ids."""
    map_batches(
        address,
        EvaluateActor,
        (ws.settings, model_id, backend, by_name),
        items,
        on_batch,
        batch_size=ws.settings.ray_batch_size,
        actors=ws.settings.ray_actors,
    )


RenderItem = tuple[int, RenderTask]
"""``(index, task)``: one source image of a version to render, by its place in the version's task list."""
RenderResult = tuple[int, list[RenderedImage]]
"""``(index, outputs)``: the metadata of the output images the task wrote to the blob store."""


class RenderActor:
    """Renders batches of a version's source images. Each task reads its images from the blob store and writes its
    outputs there (content-addressed: a retried batch writes the same blobs again), returning only metadata."""

    def run(self, items: list[RenderItem]) -> list[RenderResult]:
        return [(index, render_from_store(task)) for index, task in items]


def render_tasks(
    settings: Settings, address: str, tasks: list[RenderTask], progress: Progress
) -> list[list[RenderedImage]]:
    """Version generation's rendering on Ray (a :data:`seglab.versions.build.Renderer`): each task's outputs in task
    order, so the version is the one rendering here gives."""
    by_index: dict[int, list[RenderedImage]] = {}

    def record(results: list[RenderResult]) -> None:
        for index, outputs in results:
            by_index[index] = outputs
        progress(len(by_index), len(tasks))

    map_batches(
        address,
        RenderActor,
        (),
        list(enumerate(tasks)),
        record,
        batch_size=settings.ray_batch_size,
        actors=settings.ray_actors,
    )
    return [by_index[index] for index in range(len(tasks))]


AutolabelResult = tuple[int, list[tuple[str, NewAnnotation]] | None, str | None]
"""``(image id, [(class name, proposal)], None)``, or ``(image id, None, reason)`` for an image that failed."""


class AutolabelActor:
    """Holds Rapid's detector and segmenter; finds and segments the prompts' objects on batches of stored images."""

    def __init__(
        self,
        settings: Settings,
        components: tuple[str | None, Path | None, str | None],
        prompts: AutolabelSettings,
        categories: dict[str, int],
        tolerance: float,
    ) -> None:
        self.ws = _actor_workspace(settings)
        detector, weights, segmenter = components
        self.detector, self.segmenter = load_components(
            self.ws.settings, smart_polygon(self.ws), detector=detector, detector_weights=weights, segmenter=segmenter
        )
        self.prompts, self.categories, self.tolerance = prompts, categories, tolerance

    def run(self, items: list[AssistItem]) -> list[AutolabelResult]:
        results: list[AutolabelResult] = []
        for image_id, digest in items:
            try:
                proposals = proposals_for(
                    self.ws.blobs.local_path(digest),
                    self.detector,
                    self.segmenter,
                    self.prompts,
                    max_pixels=self.ws.settings.max_image_pixels,
                )
            except SeglabError as error:
                results.append((image_id, None, error.message))
                continue
            pairs = proposal_annotations(proposals, self.categories, self.detector.name, tolerance=self.tolerance)
            results.append((image_id, [(proposal.class_name, new) for proposal, new in pairs], None))
        return results


def autolabel_images(
    ws: Workspace,
    items: Sequence[AssistItem],
    address: str,
    *,
    components: tuple[str | None, Path | None, str | None],
    settings: AutolabelSettings,
    categories: dict[str, int],
    tolerance: float,
    on_batch: Callable[[list[AutolabelResult]], None],
) -> None:
    """Rapid on Ray: ``components`` names the detector, its weights folder and the segmenter (``None``: the
    configured ones), which each actor loads once."""
    map_batches(
        address,
        AutolabelActor,
        (ws.settings, components, settings, categories, tolerance),
        items,
        on_batch,
        batch_size=ws.settings.ray_batch_size,
        actors=ws.settings.ray_actors,
    )
