"""Running a compiled workflow over one or many images.

Each image is one *run* of the DAG; every (image, step) pair is a task, and tasks whose inputs are ready run
at the same time on a thread pool (independent steps of one image, and different images). A step runs once
per image, or once per crop below a dynamic crop (its results are then lists, one entry per crop, nested as
deep as crops are). A ``continue_if`` that does not hold skips the steps it names for that image (or crop),
and everything fed by them: their outputs are ``None``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field, replace
from typing import Any

from seglab.workflows.blocks import StepContext, StepManifest
from seglab.workflows.blocks.flow_control import CONTINUE
from seglab.workflows.compiler import CompiledStep, CompiledWorkflow
from seglab.workflows.environment import Environment
from seglab.workflows.errors import RuntimeInputError, StepExecutionError, WorkflowError
from seglab.workflows.kinds import DETECTIONS, Kind
from seglab.workflows.selectors import parse_selector, substitute
from seglab.workflows.spec import InputSpec
from seglab.workflows.values import (
    detections_from_roboflow,
    is_detections,
    load_image,
    to_root_coordinates,
    video_metadata_from_roboflow,
)


class _Skipped:
    """A step that did not run for an image or crop (a ``continue_if`` said no, or its input was missing)."""

    def __repr__(self) -> str:
        return "SKIPPED"


SKIPPED = _Skipped()


class _SkipError(Exception):
    """Raised while resolving a step's inputs when one of them was skipped."""


@dataclass
class _Run:
    """One image's pass through the workflow."""

    inputs: dict[str, Any]
    results: dict[str, Any] = field(default_factory=dict)
    """Step name → its outputs (a dict), nested in lists as deep as the step's dimension; ``SKIPPED`` where not run."""


def _at(node: Any, path: Sequence[int]) -> Any:
    for index in path:
        if node is SKIPPED or node is None:
            return SKIPPED
        node = node[index]
    return node


def prepare_runs(workflow: CompiledWorkflow, inputs: Mapping[str, Any], environment: Environment) -> list[_Run]:
    """The runtime inputs checked and decoded: one run per image of the batch (image inputs given as lists)."""
    images: dict[str, list[Any]] = {}
    for name in workflow.image_inputs:
        if name not in inputs or inputs[name] is None:
            raise RuntimeInputError(f"the workflow needs the image input {name!r}")
        value = inputs[name]
        items = list(value) if isinstance(value, list) else [value]
        if not items:
            raise RuntimeInputError(f"input {name!r}: the batch of images is empty")
        images[name] = [
            load_image(item, what=name if len(items) == 1 else f"{name}[{i}]", max_pixels=environment.max_image_pixels)
            for i, item in enumerate(items)
        ]
    batches = {
        name: _batch_values(name, inputs.get(name), spec) for name, spec in workflow.inputs.items() if spec.is_batch
    }
    sizes = {len(batch) for batch in [*images.values(), *batches.values()]} - {1}
    if len(sizes) > 1:
        raise RuntimeInputError(f"image inputs are batches of different sizes: {sorted(sizes)}")
    count = max(sizes) if sizes else 1
    parameters: dict[str, Any] = {}
    for name, spec in workflow.inputs.items():
        if spec.is_image or spec.is_batch:
            continue
        if name in inputs:
            parameters[name] = inputs[name]
        else:
            parameters[name] = spec.default  # None when the definition gives no default_value, as in Roboflow
    runs = []
    for index in range(count):
        values = dict(parameters)
        for name, batch in images.items():
            chosen = batch[index if len(batch) > 1 else 0]
            values[name] = chosen if chosen.parent_id == name else _renamed(chosen, name)
        for name, batch in batches.items():
            values[name] = batch[index if len(batch) > 1 else 0]
        _with_video(values, workflow)
        runs.append(_Run(values))
    return runs


def _with_video(values: dict[str, Any], workflow: CompiledWorkflow) -> None:
    """A run's images are frames of the video its ``WorkflowVideoMetadata`` input names (trackers, counters and
    ``ExtractFrameMetadata`` read it from the image, as Roboflow's blocks since Execution Engine 1.2 do)."""
    video = next(
        (
            values[name]
            for name, spec in workflow.inputs.items()
            if spec.is_batch and spec.kinds == {Kind.VIDEO_METADATA}
        ),
        None,
    )
    if video is None:
        return
    for name in workflow.image_inputs:
        if values[name].video is None:
            values[name] = replace(values[name], video=video)


def _batch_values(name: str, value: Any, spec: InputSpec) -> list[Any]:
    """A ``WorkflowBatchInput``'s values: a list, one per image (one value alone serves every image); detections
    sent as Roboflow's JSON become detections."""
    shape = "one value per image" if spec.dimensionality == 1 else "a list per image, one value per crop of it"
    if value is None:
        raise RuntimeInputError(f"the workflow needs the batch input {name!r} (a list: {shape})")
    if not isinstance(value, list) or not value:
        raise RuntimeInputError(f"input {name!r} is a batch input: give a non-empty list, {shape}")
    return [_nested(item, spec, spec.dimensionality - 1, f"{name}[{i}]") for i, item in enumerate(value)]


def _nested(value: Any, spec: InputSpec, depth: int, where: str) -> Any:
    """One image's value of a batch input ``depth`` lists deep (a list per crop, per crop of a crop...)."""
    if depth > 0:
        if not isinstance(value, list):
            raise RuntimeInputError(f"input {where}: a list (one value per crop), got {type(value).__name__}")
        return [_nested(item, spec, depth - 1, f"{where}[{i}]") for i, item in enumerate(value)]
    if spec.kinds == {Kind.VIDEO_METADATA}:
        return video_metadata_from_roboflow(value, where)
    return detections_from_roboflow(value, where) if spec.kinds & set(DETECTIONS) else value


def _renamed(image: Any, name: str) -> Any:
    return replace(image, parent_id=name)


class _StepRunner:
    """Runs one step of one run, over every image or crop it applies to."""

    def __init__(self, workflow: CompiledWorkflow, step: CompiledStep, run: _Run, environment: Environment) -> None:
        self.workflow = workflow
        self.step = step
        self.run = run
        self.context = StepContext(step.name, step.block_type, environment)

    def __call__(self) -> Any:
        driver = self._driver()
        return self._walk(driver, 0, ())

    def _driver(self) -> Any:
        """A nested result as deep as this step's input dimension, whose shape says how often it runs."""
        depth = self.step.input_dimension
        if depth == 0:
            return None
        candidates = [r.selector.step for r in self.step.references if r.selector.step and not r.accepts.steps]
        candidates += sorted(self.step.gated_by)
        name = next((n for n in candidates if n and self.workflow.steps[n].dimension >= depth), None)
        if name is not None:
            return self.run.results[name]
        inputs = self.workflow.inputs  # else a batch input given per crop drives it
        return next(
            self.run.inputs[r.selector.input]
            for r in self.step.references
            if r.selector.input is not None and inputs[r.selector.input].dimension >= depth
        )

    def _walk(self, node: Any, depth: int, path: tuple[int, ...]) -> Any:
        if depth == self.step.input_dimension:
            return self._leaf(path)
        if node is SKIPPED or node is None:
            return SKIPPED
        return [self._walk(child, depth + 1, (*path, index)) for index, child in enumerate(node)]

    def _value(self, text: str, path: tuple[int, ...], collapses: bool = False, held: list[bool] | None = None) -> Any:
        selector = parse_selector(text)
        assert selector is not None
        if selector.input is not None:
            value = self.run.inputs[selector.input]
            dimension = self.workflow.inputs[selector.input].dimension
            if dimension > len(path):  # a collapsing field: the values of every crop
                return value
            try:
                value = _at(value, path[:dimension])  # a batch input's value for this crop
            except (IndexError, TypeError):
                raise RuntimeInputError(
                    f"input {selector.input!r} has no value for crop {list(path[:dimension])} of step "
                    f"{self.step.name!r} (give one value per crop)"
                ) from None
            if value is SKIPPED:
                raise _SkipError
            return [value] if collapses else value
        source = self.workflow.steps[selector.step or ""]
        outputs = _at(self.run.results[source.name], path[: source.dimension])
        if outputs is SKIPPED or outputs is None:
            raise _SkipError
        if source.dimension > len(path):  # a collapsing field: every crop's value, None where one was skipped
            return [
                None if item is SKIPPED or item is None or (held and held[index]) else item.get(selector.output)
                for index, item in enumerate(outputs)
            ]
        return [outputs.get(selector.output)] if collapses else outputs.get(selector.output)

    def _leaf(self, path: tuple[int, ...]) -> Any:
        for gate in self.step.gated_by - self.step.crop_gates:
            decision = _at(self.run.results[gate], path[: self.workflow.steps[gate].dimension])
            if decision is SKIPPED or not decision.get(CONTINUE, False):
                return SKIPPED
        held = self._held(path)
        if held is not None and all(held):
            return SKIPPED  # no crop passed its continue_if
        updates: dict[str, Any] = {}
        try:
            for name, accepts in self.step.block.accepting_fields().items():
                if accepts.steps:
                    continue
                value = getattr(self.step.manifest, name)
                collapses = accepts.collapses
                resolved = substitute(value, lambda text, c=collapses: self._value(text, path, c, held))
                if accepts.batch and value is not resolved and resolved is None:
                    raise _SkipError  # an empty crop, say
                if resolved is None and value is not None:
                    resolved = _default(self.step.manifest, name)  # a parameter given no value, as in Roboflow
                updates[name] = resolved
        except _SkipError:
            return SKIPPED
        fields = self.step.manifest.model_copy(update=updates)
        try:
            result = self.step.block.run(fields, self.context)
        except WorkflowError:
            raise
        except Exception as error:
            raise StepExecutionError(
                f"step {self.step.name!r} ({self.step.block_type}) failed: {type(error).__name__}: {error}",
                inner_error=error,
                blocks_errors=[],
            ) from error
        return list(result) if self.step.block.dimensionality_offset else result

    def _held(self, path: tuple[int, ...]) -> list[bool] | None:
        """Per crop this step gathers, whether a ``continue_if`` deciding per crop holds it back (``None``: none
        decides per crop)."""
        if not self.step.crop_gates:
            return None
        held: list[bool] | None = None
        for gate in self.step.crop_gates:
            decisions = _at(self.run.results[gate], path)
            crops = [] if decisions is SKIPPED or decisions is None else decisions
            mine = [d is SKIPPED or d is None or not d.get(CONTINUE, False) for d in crops]
            held = mine if held is None else [a or b for a, b in zip(held, mine, strict=False)]
        return held


def _default(manifest: StepManifest, name: str) -> Any:
    """The field's own default, for a selector that gave ``None`` (``None`` again where the field has none)."""
    field = type(manifest).model_fields[name]
    return None if field.is_required() else field.get_default(call_default_factory=True)


def _dependents(workflow: CompiledWorkflow) -> dict[str, list[str]]:
    found: dict[str, list[str]] = defaultdict(list)
    for name, step in workflow.steps.items():
        for dependency in step.depends_on:
            found[dependency].append(name)
    return found


def _schedule(workflow: CompiledWorkflow, runs: list[_Run], environment: Environment) -> None:
    dependents = _dependents(workflow)
    steps = workflow.steps.items()
    waiting = {(index, name): set(step.depends_on) for index in range(len(runs)) for name, step in steps}
    failure: BaseException | None = None
    with ThreadPoolExecutor(max_workers=max(1, environment.max_workers), thread_name_prefix="workflow") as pool:
        running: dict[Future[Any], tuple[int, str]] = {}

        def submit(index: int, name: str) -> None:
            task = _StepRunner(workflow, workflow.steps[name], runs[index], environment)
            running[pool.submit(task)] = (index, name)

        for index, name in [key for key, deps in waiting.items() if not deps]:
            submit(index, name)
        while running:
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in done:
                index, name = running.pop(future)
                error = future.exception()
                if error is not None:
                    failure = failure or error
                    continue
                runs[index].results[name] = future.result()
                for dependent in dependents[name]:
                    pending = waiting[(index, dependent)]
                    pending.discard(name)
                    if not pending and failure is None:
                        submit(index, dependent)
    if failure is not None:
        raise failure


def _plain_outputs(node: Any, depth: int, output: str | None) -> Any:
    if depth > 0:
        return None if node is SKIPPED or node is None else [_plain_outputs(n, depth - 1, output) for n in node]
    if node is SKIPPED or node is None:
        return None
    if output == "*":
        return {key: value for key, value in node.items() if key != CONTINUE}
    return node.get(output)


def _in_root_coordinates(value: Any) -> Any:
    """Every detections in ``value`` (lists per crop, a step's ``*`` dict) in the input image's coordinates."""
    if is_detections(value):
        return to_root_coordinates(value)
    if isinstance(value, list):
        return [_in_root_coordinates(item) for item in value]
    if isinstance(value, dict):
        return {key: _in_root_coordinates(item) for key, item in value.items()}
    return value


def execute(
    workflow: CompiledWorkflow, inputs: Mapping[str, Any], environment: Environment | None = None
) -> list[dict[str, Any]]:
    """Run ``workflow``; one dict of outputs per image of the batch. Values are Python objects (``sv.Detections``,
    :class:`~seglab.workflows.values.WorkflowImage`, numbers, lists per crop); ``None`` where a step was skipped."""
    environment = environment or Environment()
    runs = prepare_runs(workflow, inputs, environment)
    _schedule(workflow, runs, environment)
    answers = []
    for run in runs:
        answer: dict[str, Any] = {}
        for output in workflow.outputs:
            if output.selector.input is not None:
                answer[output.name] = run.inputs[output.selector.input]
            else:
                node = run.results[output.selector.step or ""]
                value = _plain_outputs(node, output.dimension, output.selector.output)
                answer[output.name] = _in_root_coordinates(value) if output.coordinates_system == "parent" else value
        answers.append(answer)
    return answers
