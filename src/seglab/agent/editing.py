"""Editing a workflow definition by what its steps are, not by their names.

The offline planner never assumes the definition is one it wrote: it finds the image input, the step that
makes the detections (a model, Segment Anything), the chain of steps refining them (filters, offsets) and the
visualizations by the kinds the block catalogue reports, and wires new steps by kind the same way. So a
follow-up request can edit a definition written by hand, by the chat engine or imported from Roboflow.
"""

from __future__ import annotations

import copy
from typing import Any

from seglab.agent.catalogue import BlockDescription, describe_block
from seglab.workflows import BlockRegistry, Kind
from seglab.workflows.kinds import DETECTIONS
from seglab.workflows.selectors import find_selectors, substitute
from seglab.workflows.spec import IMAGE_INPUT_TYPES


def empty_definition() -> dict[str, Any]:
    """A definition with one image input and nothing else: where a new workflow starts."""
    return {"version": "1.0", "inputs": [{"type": "WorkflowImage", "name": "image"}], "steps": [], "outputs": []}


def _has(kinds: tuple[Kind, ...], wanted: tuple[Kind, ...]) -> bool:
    return bool(set(kinds) & set(wanted))


class DefinitionEditor:
    """A copy of a definition with operations that keep it wired: insert a step after the detections' tip
    (everything that read the tip now reads the new step), replace or remove steps, set outputs."""

    def __init__(self, definition: dict[str, Any] | None, registry: BlockRegistry) -> None:
        self.definition = copy.deepcopy(definition) if definition else empty_definition()
        for key in ("inputs", "steps", "outputs"):
            self.definition.setdefault(key, [])
        self.registry = registry

    # -- looking ------------------------------------------------------------------------------------------------

    @property
    def steps(self) -> list[dict[str, Any]]:
        steps: list[dict[str, Any]] = self.definition["steps"]
        return steps

    def step(self, name: str) -> dict[str, Any] | None:
        return next((step for step in self.steps if step.get("name") == name), None)

    def describe(self, step: dict[str, Any]) -> BlockDescription | None:
        block = self.registry.get(str(step.get("type")))
        return None if block is None else describe_block(block)

    def is_a(self, step: dict[str, Any], block_type: str) -> bool:
        """Whether ``step`` is a ``block_type`` step under any of the block's names (full or alias)."""
        block = self.registry.get(block_type)
        return block is not None and self.registry.get(str(step.get("type"))) is block

    def find(self, block_type: str) -> list[dict[str, Any]]:
        return [step for step in self.steps if self.is_a(step, block_type)]

    def unique_name(self, base: str, section: str = "steps") -> str:
        """``base``, or ``base_2``... when ``section`` (``inputs``, ``steps`` or ``outputs``) has it already: names
        are unique per section."""
        taken = {str(entry.get("name")) for entry in self.definition[section]}
        name, number = base, 2
        while name in taken:
            name, number = f"{base}_{number}", number + 1
        return name

    def image_input(self) -> str:
        """The first image input's selector (one named ``image`` is added when there is none)."""
        found = next((i for i in self.definition["inputs"] if i.get("type") in IMAGE_INPUT_TYPES), None)
        if found is None:
            found = {"type": "WorkflowImage", "name": self.unique_name("image", "inputs")}
            self.definition["inputs"].insert(0, found)
        return f"$inputs.{found['name']}"

    @staticmethod
    def output_of(description: BlockDescription, wanted: tuple[Kind, ...]) -> str | None:
        """The name of the block's first output of one of the ``wanted`` kinds."""
        return next((name for name, kinds in description.outputs.items() if _has(kinds, wanted)), None)

    def detections_of(self, step: dict[str, Any]) -> str | None:
        """The selector of ``step``'s detections output, if it has one."""
        description = self.describe(step)
        output = None if description is None else self.output_of(description, DETECTIONS)
        return None if output is None else f"$steps.{step['name']}.{output}"

    def _detection_inputs(self, step: dict[str, Any]) -> list[str]:
        """The selectors ``step`` reads detections from (in its per-image detection fields)."""
        description = self.describe(step)
        if description is None:
            return []
        found = []
        for field in description.fields:
            if field.per_image and field.kinds and _has(field.kinds, DETECTIONS):
                found += [text for _, text in find_selectors(step.get(field.name), field.name)]
        return found

    def is_visualization(self, step: dict[str, Any]) -> bool:
        """Draws detections on an image and answers the image: image and detections in, an image out."""
        description = self.describe(step)
        if description is None or description.per_crop or self.output_of(description, DETECTIONS):
            return False
        takes_image = any(f.per_image and f.kinds and Kind.IMAGE in f.kinds for f in description.fields)
        return takes_image and bool(self._detection_inputs(step)) and bool(self.output_of(description, (Kind.IMAGE,)))

    def source(self) -> dict[str, Any] | None:
        """The step that makes the detections: the first one with a detections output that reads none."""
        for step in self.steps:
            description = self.describe(step)
            if (
                description
                and not description.per_crop
                and self.detections_of(step)
                and not self._detection_inputs(step)
            ):
                return step
        return None

    def _refines(self, step: dict[str, Any], selector: str | None) -> bool:
        """Whether ``step`` reads ``selector``'s detections and answers detections again, once per image."""
        description = self.describe(step)
        return (
            description is not None
            and not description.per_crop
            and selector in self._detection_inputs(step)
            and self.detections_of(step) is not None
        )

    def chain(self) -> list[dict[str, Any]]:
        """The source, then each step refining its detections (filter, offset, ...), in order."""
        current = self.source()
        found: list[dict[str, Any]] = []
        while current is not None:
            found.append(current)
            selector = self.detections_of(current)
            current = next((s for s in self.steps if s not in found and self._refines(s, selector)), None)
        return found

    def tip(self) -> str | None:
        """The selector of the most refined detections: what counts, crops and drawings read."""
        chain = self.chain()
        return self.detections_of(chain[-1]) if chain else None

    # -- changing ----------------------------------------------------------------------------------------------

    def wire(
        self, block_type: str, base_name: str, *, image: str | None = None, detections: str | None = None, **values: Any
    ) -> dict[str, Any]:
        """A new ``block_type`` step: its required per-image fields fed by kind (images from ``image``, detections
        from ``detections``), then ``values`` as given. It is not added yet."""
        block = self.registry.get(block_type)
        if block is None:
            raise KeyError(f"no block {block_type!r} in this registry")
        step: dict[str, Any] = {"type": block_type, "name": self.unique_name(base_name)}
        for field in describe_block(block).fields:
            if not (field.required and field.per_image and field.kinds):
                continue
            if Kind.IMAGE in field.kinds and image is not None:
                step[field.name] = image
            elif _has(field.kinds, DETECTIONS) and detections is not None:
                step[field.name] = detections
        step.update(values)
        return step

    def add(self, step: dict[str, Any], after: str | None = None) -> dict[str, Any]:
        """Add ``step`` after the step named ``after`` (at the end when ``None``): the order is only for reading."""
        index = next((i + 1 for i, s in enumerate(self.steps) if s.get("name") == after), len(self.steps))
        self.steps.insert(index, step)
        return step

    def replace_selector(self, old: str, new: str, *, skip: dict[str, Any] | None = None, outputs: bool = True) -> None:
        """Every reader of ``old`` (steps but ``skip``, and the outputs unless told not) reads ``new`` instead."""

        def swap(text: str) -> str:
            return new if text == old else text

        for step in self.steps:
            if step is not skip:
                step.update({key: substitute(value, swap) for key, value in step.items()})  # in place: held elsewhere
        for output in self.definition["outputs"] if outputs else []:
            if output.get("selector") == old:
                output["selector"] = new

    def insert_after_tip(self, step: dict[str, Any]) -> dict[str, Any]:
        """Add a step refining the detections (it reads the tip): everything that read the tip reads it now."""
        tip = self.tip()
        if tip is None:
            raise ValueError("there are no detections to refine")
        chain = self.chain()
        self.add(step, after=chain[-1]["name"])
        new_tip = self.detections_of(step)
        if new_tip is not None:
            self.replace_selector(tip, new_tip, skip=step)
        return step

    def replace_step(self, old: dict[str, Any], new: dict[str, Any]) -> None:
        """Put ``new`` where ``old`` was; readers of ``old``'s detections read ``new``'s."""
        self.add(new, after=old["name"])
        before, after = self.detections_of(old), self.detections_of(new)
        self.remove(old, rewire=False)
        if before is not None and after is not None:
            self.replace_selector(before, after)

    def remove(self, step: dict[str, Any], *, rewire: bool = True) -> None:
        """Drop ``step`` and the outputs selecting it. With ``rewire``, readers of its detections read what it
        read; steps still reading it (the steps after a crop, say) go too."""
        self.definition["steps"] = [s for s in self.steps if s is not step]
        produced, read = self.detections_of(step), self._detection_inputs(step)
        if rewire and produced is not None and read:
            self.replace_selector(produced, read[0])
        prefix = f"$steps.{step['name']}."
        self.definition["outputs"] = [
            o for o in self.definition["outputs"] if not str(o.get("selector", "")).startswith(prefix)
        ]
        if rewire:
            for reader in [s for s in self.steps if self._reads_step(s, str(step["name"]))]:
                self.remove(reader)

    @staticmethod
    def _reads_step(step: dict[str, Any], name: str) -> bool:
        prefix = f"$steps.{name}"
        return any(
            text == prefix or text.startswith(f"{prefix}.")
            for key, value in step.items()
            for _, text in find_selectors(value, key)
        )

    def set_output(self, name: str, selector: str) -> None:
        """An output ``name`` selecting ``selector``; an output already selecting it is kept as it is."""
        outputs = self.definition["outputs"]
        if any(o.get("selector") == selector for o in outputs):
            return
        existing = next((o for o in outputs if o.get("name") == name), None)
        if existing is not None:
            existing["selector"] = selector
        else:
            outputs.append({"type": "JsonField", "name": self.unique_name(name, "outputs"), "selector": selector})
