"""The workflow definition, as Roboflow writes it: ``version`` (1.x), ``inputs``, ``steps``, ``outputs``.

Parsing checks the shape only (what each step's fields mean is its block's business, see the compiler).
Roboflow's synonyms are accepted: ``InferenceImage``/``InferenceParameter`` for ``WorkflowImage``/
``WorkflowParameter``, ``WorkflowBatchInput`` (one value per image, or per crop of it) and ``WorkflowVideoMetadata``;
unknown keys are ignored, as Roboflow ignores them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from seglab.workflows.errors import BlockError, NotSupportedExecutionEngineError, WorkflowSyntaxError
from seglab.workflows.kinds import Kind, parse_kinds

IMAGE_INPUT_TYPES = frozenset({"WorkflowImage", "InferenceImage"})
PARAMETER_INPUT_TYPES = frozenset({"WorkflowParameter", "InferenceParameter"})
BATCH_INPUT_TYPE = "WorkflowBatchInput"
VIDEO_METADATA_INPUT_TYPE = "WorkflowVideoMetadata"
OUTPUT_TYPES = frozenset({"JsonField"})
COORDINATES_SYSTEMS = ("parent", "own")


@dataclass(frozen=True)
class InputSpec:
    name: str
    is_image: bool
    kinds: frozenset[Kind]
    default: Any = None
    """``default_value``; a parameter declared without one is ``None`` when not given, as Roboflow has it (143 of
    its published definitions declare ``api_key``, ``model_id`` or ``classes`` so)."""
    is_batch: bool = False
    """A ``WorkflowBatchInput``: one value per image of the batch (given as a list), not one for all."""
    dimensionality: int = 1
    """A batch input's nesting: 1, a value per image; 2, a list per image with a value per crop of it (the slices
    of ``image_slicer``, the crops of ``dynamic_crop``), and so on."""

    @property
    def dimension(self) -> int:
        """The step dimension its values live at (0: per image; 1: per crop), as a step's output would."""
        return self.dimensionality - 1 if self.is_batch else 0


@dataclass(frozen=True)
class StepSpec:
    name: str
    type: str
    fields: dict[str, Any]
    """Everything the step declares (``type`` and ``name`` included), for its block's manifest to validate."""


@dataclass(frozen=True)
class OutputSpec:
    name: str
    selector: str
    coordinates_system: str = "parent"
    """``parent`` (Roboflow's default): detections found in crops are given in the input image's coordinates;
    ``own``: in their crop's."""


@dataclass(frozen=True)
class WorkflowSpec:
    version: str
    inputs: list[InputSpec] = field(default_factory=list)
    steps: list[StepSpec] = field(default_factory=list)
    outputs: list[OutputSpec] = field(default_factory=list)


def _entries(definition: dict[str, Any], key: str) -> list[dict[str, Any]]:
    value = definition.get(key)
    if not isinstance(value, list):
        raise WorkflowSyntaxError(f"the workflow definition needs `{key}`: a list (got {type(value).__name__})")
    for index, entry in enumerate(value):
        if not isinstance(entry, dict):
            raise WorkflowSyntaxError(f"`{key}[{index}]` is not an object")
        if not isinstance(entry.get("name"), str) or not entry["name"]:
            raise WorkflowSyntaxError(
                f"`{key}[{index}]` needs a `name`",
                blocks_errors=[BlockError(f"{key}[{index}]", entry.get("type"), property_name="name")],
            )
    return value


def _version(definition: dict[str, Any]) -> str:
    version = str(definition.get("version", "1.0")).strip()
    if version.split(".")[0] != "1":
        raise NotSupportedExecutionEngineError(
            f"workflow definition version {version!r} is not supported: seglab runs version 1.x definitions"
        )
    return version


def _input(entry: dict[str, Any]) -> InputSpec:
    kind_type = entry.get("type")
    if kind_type in IMAGE_INPUT_TYPES:
        return InputSpec(entry["name"], True, frozenset({Kind.IMAGE}))
    if kind_type == BATCH_INPUT_TYPE:
        return _batch_input(entry)
    if kind_type == VIDEO_METADATA_INPUT_TYPE:  # each image's place in its video (a batch input of one kind)
        return InputSpec(entry["name"], False, frozenset({Kind.VIDEO_METADATA}), is_batch=True)
    if kind_type in PARAMETER_INPUT_TYPES:
        return InputSpec(entry["name"], False, parse_kinds(entry.get("kind") or []), entry.get("default_value"))
    known = ", ".join(sorted(IMAGE_INPUT_TYPES | PARAMETER_INPUT_TYPES | {BATCH_INPUT_TYPE, VIDEO_METADATA_INPUT_TYPE}))
    raise WorkflowSyntaxError(
        f"input {entry['name']!r} has unknown type {kind_type!r} (known: {known})",
        blocks_errors=[BlockError(entry["name"], str(kind_type), property_name="type")],
    )


def _batch_input(entry: dict[str, Any]) -> InputSpec:
    """Roboflow's batch-oriented input: images when its kind says so, otherwise data with one value per image."""
    dimensionality = entry.get("dimensionality", 1)
    kinds = parse_kinds(entry.get("kind") or [])
    images = kinds == {Kind.IMAGE}
    problem = None
    if not isinstance(dimensionality, int) or isinstance(dimensionality, bool) or dimensionality < 1:
        problem = f"dimensionality must be a whole number from 1 (a value per image), got {dimensionality!r}"
    elif images and dimensionality != 1:
        problem = "a batch of images has dimensionality 1 (crops of an image come from steps, not inputs)"
    if problem is not None:
        raise WorkflowSyntaxError(
            f"input {entry['name']!r}: {problem}",
            blocks_errors=[
                BlockError(entry["name"], BATCH_INPUT_TYPE, property_name="dimensionality", property_details=problem)
            ],
        )
    if images:
        return InputSpec(entry["name"], True, kinds)
    return InputSpec(entry["name"], False, kinds, is_batch=True, dimensionality=dimensionality)


def _output(entry: dict[str, Any]) -> OutputSpec:
    if entry.get("type", "JsonField") not in OUTPUT_TYPES:
        raise WorkflowSyntaxError(
            f"output {entry['name']!r} has unknown type {entry.get('type')!r} (known: JsonField)",
            blocks_errors=[BlockError(entry["name"], str(entry.get("type")), property_name="type")],
        )
    selector = entry.get("selector")
    if not isinstance(selector, str):
        raise WorkflowSyntaxError(
            f"output {entry['name']!r} needs a `selector` ($steps.step.output or $inputs.name)",
            blocks_errors=[BlockError(entry["name"], "JsonField", property_name="selector")],
        )
    system = entry.get("coordinates_system", "parent")
    if system not in COORDINATES_SYSTEMS:
        raise WorkflowSyntaxError(
            f"output {entry['name']!r}: coordinates_system must be 'parent' or 'own', got {system!r}",
            blocks_errors=[BlockError(entry["name"], "JsonField", property_name="coordinates_system")],
        )
    return OutputSpec(entry["name"], selector, system)


def _step(entry: dict[str, Any]) -> StepSpec:
    if not isinstance(entry.get("type"), str):
        raise WorkflowSyntaxError(
            f"step {entry['name']!r} needs a `type` (a block such as roboflow_core/dynamic_crop@v1)",
            blocks_errors=[BlockError(entry["name"], None, property_name="type")],
        )
    return StepSpec(entry["name"], entry["type"], dict(entry))


def parse_spec(definition: Any) -> WorkflowSpec:
    """A definition (already-parsed JSON) as a :class:`WorkflowSpec`; raises :class:`WorkflowSyntaxError`."""
    if not isinstance(definition, dict):
        raise WorkflowSyntaxError(f"a workflow definition is a JSON object, got {type(definition).__name__}")
    if isinstance(definition.get("specification"), dict) and "steps" not in definition:
        definition = definition["specification"]  # Roboflow's exports wrap the definition
    version = _version(definition)
    return WorkflowSpec(
        version,
        [_input(entry) for entry in _entries(definition, "inputs")],
        [_step(entry) for entry in _entries(definition, "steps")],
        [_output(entry) for entry in _entries(definition, "outputs")],
    )
