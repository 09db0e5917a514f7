"""Compiling a definition: parse it, validate each step against its block, check every selector, order the steps.

Errors come in Roboflow's classes, each phase reporting every offending step at once (so an editor can mark
them all): the definition's shape and each step's fields (``WorkflowSyntaxError``, unknown block types and
malformed selectors included), repeated names (``DuplicatedNameError``), selectors naming nothing
(``InvalidReferenceTargetError``), wrong kinds (``ReferenceTypeError``), cycles and mixed batch dimensions
(``ExecutionGraphStructureError``).
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from seglab.workflows.blocks import Accepts, Block, BlockRegistry, StepManifest, default_registry
from seglab.workflows.blocks.flow_control import ContinueIf
from seglab.workflows.blocks.out_of_scope import out_of_scope_reason
from seglab.workflows.errors import (
    BlockError,
    DuplicatedNameError,
    ExecutionGraphStructureError,
    InvalidReferenceTargetError,
    ReferenceTypeError,
    WorkflowSyntaxError,
)
from seglab.workflows.kinds import Kind, compatible
from seglab.workflows.selectors import Selector, find_selectors, parse_selector
from seglab.workflows.spec import InputSpec, StepSpec, WorkflowSpec, parse_spec

logger = logging.getLogger(__name__)

_OWN_FIELDS = frozenset({"type", "name"})


@dataclass(frozen=True)
class Reference:
    """A selector found in a step's field."""

    path: str
    selector: Selector
    accepts: Accepts


@dataclass
class CompiledStep:
    name: str
    block_type: str
    block: Block
    manifest: StepManifest
    references: list[Reference]
    depends_on: set[str] = field(default_factory=set)
    gated_by: set[str] = field(default_factory=set)
    """``continue_if`` steps that decide whether this one runs."""
    crop_gates: set[str] = field(default_factory=set)
    """Those of ``gated_by`` deciding per crop of what this step gathers (a ``continue_if`` per slice before a
    ``detections_stitch``): the crops it holds back reach the step as ``None``, and none passing skips the step."""
    input_dimension: int = 0
    dimension: int = 0
    """0: once per image; 1: once per crop of an image (after a dynamic crop); and so on."""


@dataclass(frozen=True)
class CompiledOutput:
    name: str
    selector: Selector
    dimension: int
    coordinates_system: str = "parent"


@dataclass
class CompiledWorkflow:
    spec: WorkflowSpec
    definition: dict[str, Any]
    inputs: dict[str, InputSpec]
    steps: dict[str, CompiledStep]
    """In an order where every step comes after what it depends on."""
    outputs: list[CompiledOutput]
    warnings: list[str] = field(default_factory=list)
    """What compiled but deserves a word: fields Roboflow ignores that were ignored here too (see
    :attr:`~seglab.workflows.blocks.Block.ignored_fields`)."""

    @property
    def image_inputs(self) -> list[str]:
        return [name for name, spec in self.inputs.items() if spec.is_image]


def _check_names(spec: WorkflowSpec) -> None:
    errors = []
    for what, names in (
        ("input", [i.name for i in spec.inputs]),
        ("step", [s.name for s in spec.steps]),
        ("output", [o.name for o in spec.outputs]),
    ):
        for name, count in Counter(names).items():
            if count > 1:
                errors.append(BlockError(name, block_details=f"{count} {what}s are named {name!r}"))
    if errors:
        repeated = ", ".join(repr(e.block_id) for e in errors)
        raise DuplicatedNameError(f"inputs, steps and outputs need unique names: {repeated}", blocks_errors=errors)


_UNION_TAGS = frozenset({"str", "int", "float", "bool", "list", "dict", "none", "constrained-str"})


def _field_path(location: tuple[Any, ...]) -> str:
    """Pydantic's location without the union members it tried (``literal['a','b']``, ``str``...): the field's path."""
    parts = [str(part) for part in location]
    kept = [p for p in parts if "[" not in p and "(" not in p and "-" not in p and p not in _UNION_TAGS]
    return ".".join(kept)


def _pydantic_errors(step: StepSpec, error: ValidationError) -> list[BlockError]:
    """One problem per field: of a union's failures (a literal or a selector), the enumeration's words first."""
    chosen: dict[str, tuple[str, str]] = {}
    for item in error.errors():
        location = _field_path(tuple(item.get("loc", ())))
        kind = str(item.get("type", ""))
        message = item.get("msg", "invalid")
        if kind == "missing":
            message = f"the field `{location}` is required"
        elif kind == "extra_forbidden":
            message = f"unknown field `{location}` for {step.type}"
        message = message.removeprefix("Value error, ")  # a validator's own words, without pydantic's label
        if location not in chosen or (kind == "literal_error" and chosen[location][0] != "literal_error"):
            chosen[location] = (kind, message)
    return [
        BlockError(step.name, step.type, property_name=location or None, property_details=message)
        for location, (_, message) in chosen.items()
    ]


def _bad_selectors(step: StepSpec) -> list[BlockError]:
    found = []
    for key, value in step.fields.items():
        if key in _OWN_FIELDS:
            continue
        for path, text in find_selectors(value, key):
            if parse_selector(text) is None:
                found.append(
                    BlockError(
                        step.name,
                        step.type,
                        property_name=path,
                        property_details=f"malformed selector {text!r}: use $inputs.<name> or $steps.<step>.<output>",
                    )
                )
    return found


def _validated_steps(
    spec: WorkflowSpec, registry: BlockRegistry, warnings: list[str]
) -> dict[str, tuple[StepSpec, Block, StepManifest]]:
    errors: list[BlockError] = []
    steps: dict[str, tuple[StepSpec, Block, StepManifest]] = {}
    for step in spec.steps:
        block_class = registry.get(step.type)
        if block_class is None:
            details = out_of_scope_reason(step.type) or f"unknown block type {step.type!r}"
            errors.append(BlockError(step.name, step.type, block_details=details, property_name="type"))
            continue
        malformed = _bad_selectors(step)
        if malformed:
            errors.extend(malformed)
            continue
        fields = dict(step.fields)
        for name in block_class.ignored_fields.keys() & fields.keys():
            del fields[name]
            why = block_class.ignored_fields[name]
            warnings.append(f"step {step.name!r} ({step.type}): field `{name}` ignored: {why}")
        try:
            manifest = block_class.manifest.model_validate(fields)
        except ValidationError as error:
            errors.extend(_pydantic_errors(step, error))
            continue
        steps[step.name] = (step, block_class(), manifest)
    if errors:
        first = errors[0]
        detail = first.block_details or f"{first.property_name}: {first.property_details}"
        raise WorkflowSyntaxError(
            f"invalid workflow definition: step {first.block_id!r}: {detail}"
            + (f" (and {len(errors) - 1} more problems)" if len(errors) > 1 else ""),
            blocks_errors=errors,
        )
    return steps


def _references(block: Block, manifest: StepManifest) -> list[Reference]:
    found = []
    for name, accepts in block.accepting_fields().items():
        for path, text in find_selectors(getattr(manifest, name), name):
            selector = parse_selector(text)
            assert selector is not None  # malformed ones were refused before validation
            found.append(Reference(path, selector, accepts))
    return found


class _Checker:
    """Resolves selectors against the inputs and steps, collecting every problem before raising."""

    def __init__(self, inputs: dict[str, InputSpec], blocks: dict[str, dict[str, tuple[Kind, ...]]]) -> None:
        self.inputs = inputs
        self.blocks = blocks
        """Each step's outputs and their kinds."""
        self.missing: list[BlockError] = []
        self.mismatched: list[BlockError] = []

    def kinds_of(self, selector: Selector) -> frozenset[Kind] | None:
        """What ``selector`` points at, or ``None`` when it points at nothing."""
        if selector.input is not None:
            spec = self.inputs.get(selector.input)
            return None if spec is None else spec.kinds
        block = self.blocks.get(selector.step or "")
        if block is None:
            return None
        if selector.output == "*":
            return frozenset({Kind.WILDCARD})
        if selector.output is None or selector.output not in block:
            return None
        return frozenset(block[selector.output])

    def check(self, owner: str, owner_type: str | None, reference: Reference) -> None:
        selector, accepts = reference.selector, reference.accepts
        if accepts.steps:
            if not selector.is_step_itself or selector.step not in self.blocks:
                self._problem(self.missing, owner, owner_type, reference, f"there is no step {selector.text}")
            return
        if selector.is_step_itself or selector.output == "*":
            details = f"{selector.text} names a step, not one of its outputs ($steps.<step>.<output>)"
            self._problem(self.missing, owner, owner_type, reference, details)
            return
        kinds = self.kinds_of(selector)
        if kinds is None:
            self._problem(self.missing, owner, owner_type, reference, self.why_missing(selector))
        elif not compatible(accepts.kinds, kinds):
            details = (
                f"{selector.text} is {' or '.join(sorted(kinds))}, but this field takes "
                f"{' or '.join(sorted(accepts.kinds))}"
            )
            self._problem(self.mismatched, owner, owner_type, reference, details)

    @staticmethod
    def _problem(found: list[BlockError], owner: str, owner_type: str | None, reference: Reference, text: str) -> None:
        found.append(BlockError(owner, owner_type, property_name=reference.path, property_details=text))

    def why_missing(self, selector: Selector) -> str:
        if selector.input is not None:
            return f"{selector.text}: there is no input named {selector.input!r}"
        block = self.blocks.get(selector.step or "")
        if block is None:
            return f"{selector.text}: there is no step named {selector.step!r}"
        outputs = ", ".join(block) or "none"
        return f"{selector.text}: step {selector.step!r} has no output {selector.output!r} (its outputs: {outputs})"


def _raise_collected(checker: _Checker) -> None:
    if checker.missing:
        first = checker.missing[0]
        raise InvalidReferenceTargetError(
            f"step {first.block_id!r}, field {first.property_name}: {first.property_details}",
            blocks_errors=checker.missing,
        )
    if checker.mismatched:
        first = checker.mismatched[0]
        raise ReferenceTypeError(
            f"step {first.block_id!r}, field {first.property_name}: {first.property_details}",
            blocks_errors=checker.mismatched,
        )


def _order(steps: dict[str, CompiledStep]) -> list[str]:
    """Kahn's algorithm; what is left over sits on a cycle."""
    waiting = {name: set(step.depends_on) for name, step in steps.items()}
    order: list[str] = []
    ready = [name for name, deps in waiting.items() if not deps]
    while ready:
        name = ready.pop(0)
        order.append(name)
        for other, deps in waiting.items():
            if name in deps:
                deps.discard(name)
                if not deps and other not in order and other not in ready:
                    ready.append(other)
    stuck = [name for name in steps if name not in order]
    if stuck:
        raise ExecutionGraphStructureError(
            f"the steps form a cycle: {', '.join(stuck)} depend on each other",
            blocks_errors=[BlockError(name, steps[name].block_type, block_details="on a cycle") for name in stuck],
        )
    return order


def _dimensions(steps: dict[str, CompiledStep], order: list[str], inputs: dict[str, InputSpec]) -> None:
    for name in order:
        step = steps[name]
        batch_dims, all_dims = set(), [0]
        for reference in step.references:
            selector = reference.selector
            if reference.accepts.steps:
                continue
            source = inputs.get(selector.input) if selector.input is not None else None
            dim = source.dimension if source is not None else 0
            if selector.input is None:
                dim = steps[selector.step or ""].dimension
            if reference.accepts.collapses:
                dim = max(dim - 1, 0)  # per-image data collapses to a list of one: each image is its own run
            if selector.input is None or reference.accepts.batch or dim > 0:  # a batch input per crop counts too
                all_dims.append(dim)
            if reference.accepts.batch:
                batch_dims.add(dim)
        step.input_dimension = max(all_dims)
        gathered = {
            steps[r.selector.step].dimension for r in step.references if r.selector.step and r.accepts.collapses
        }  # the crops a collapsing field gathers: a continue_if one level deeper decides per crop
        for gate in step.gated_by:
            if steps[gate].dimension == step.input_dimension + 1 and steps[gate].dimension in gathered:
                step.crop_gates.add(gate)
        for gate in step.gated_by - step.crop_gates:
            step.input_dimension = max(step.input_dimension, steps[gate].dimension)
        if len(batch_dims) > 1 or (batch_dims and max(batch_dims) < step.input_dimension):
            raise ExecutionGraphStructureError(
                f"step {name!r} mixes data of whole images with data of crops",
                blocks_errors=[BlockError(name, step.block_type, block_details="inputs of different batch dimensions")],
            )
        step.dimension = step.input_dimension + step.block.dimensionality_offset


def compile_workflow(definition: Any, registry: BlockRegistry | None = None) -> CompiledWorkflow:
    """Validate ``definition`` and prepare it to run; raises a :class:`~seglab.workflows.errors.WorkflowError`."""
    spec = parse_spec(definition)
    _check_names(spec)
    warnings: list[str] = []
    validated = _validated_steps(spec, registry or default_registry(), warnings)
    inputs = {i.name: i for i in spec.inputs}
    checker = _Checker(inputs, {name: block.step_outputs(manifest) for name, (_, block, manifest) in validated.items()})
    steps: dict[str, CompiledStep] = {}
    for name, (step_spec, block, manifest) in validated.items():
        references = _references(block, manifest)
        for reference in references:
            checker.check(name, step_spec.type, reference)
        depends = {r.selector.step for r in references if r.selector.step is not None and not r.accepts.steps}
        steps[name] = CompiledStep(name, step_spec.type, block, manifest, references, {d for d in depends if d})
    outputs = []
    for output in spec.outputs:
        selector = parse_selector(output.selector)
        problem = None
        if selector is None or selector.is_step_itself:
            problem = f"malformed selector {output.selector!r}: use $steps.<step>.<output> or $inputs.<name>"
        elif checker.kinds_of(selector) is None:
            problem = checker.why_missing(selector)
        if problem is not None or selector is None:
            checker.missing.append(
                BlockError(output.name, "JsonField", property_name="selector", property_details=problem)
            )
            continue
        outputs.append((output, selector))
    _raise_collected(checker)
    for name, step in steps.items():
        if isinstance(step.block, ContinueIf):
            for reference in step.references:
                if reference.accepts.steps and reference.selector.step in steps:
                    target = steps[reference.selector.step or ""]
                    target.depends_on.add(name)
                    target.gated_by.add(name)
    order = _order(steps)
    ordered = {name: steps[name] for name in order}
    _dimensions(ordered, order, inputs)
    compiled_outputs = [
        CompiledOutput(
            o.name,
            s,
            ordered[s.step].dimension if s.step is not None else inputs[s.input or ""].dimension,
            o.coordinates_system,
        )
        for o, s in outputs
    ]
    for warning in warnings:
        logger.warning("workflow: %s", warning)
    return CompiledWorkflow(spec, definition, inputs, ordered, compiled_outputs, warnings)
