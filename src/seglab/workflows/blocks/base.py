"""What a block is: a manifest (the step's fields, validated by pydantic) plus ``run``.

A field that may take data from elsewhere is annotated with :class:`Accepts` (the kinds it takes); the
compiler finds the selectors in such fields, checks they point at something of an accepted kind, and
the executor replaces them with values before ``run``. Fields without :class:`Accepts` are literal.
Built-in blocks are registered exactly as a third party's would be (see :mod:`.registry`).
"""

from __future__ import annotations

import typing
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any, ClassVar

from pydantic import BaseModel, ConfigDict, StringConstraints

from seglab.workflows.environment import Environment
from seglab.workflows.errors import StepExecutionError
from seglab.workflows.kinds import Kind

SELECTOR_PATTERN = r"^\$(inputs|steps)\.[A-Za-z0-9_][A-Za-z0-9_\-]*(\.([A-Za-z0-9_][A-Za-z0-9_\-]*|\*))?$"
Selector = Annotated[str, StringConstraints(pattern=SELECTOR_PATTERN)]
"""A ``$inputs.x`` / ``$steps.s.out`` string, where a field takes either data from elsewhere or a literal."""


@dataclass(frozen=True)
class Accepts:
    """Marks a manifest field that takes selectors, and the kinds it takes."""

    kinds: tuple[Kind, ...] = (Kind.WILDCARD,)
    batch: bool = False
    """The field takes per-image data (images, predictions): the step runs once per image, or per crop."""
    steps: bool = False
    """The field names steps themselves (``$steps.s``), as ``continue_if``'s ``next_steps``."""
    collapses: bool = False
    """The field takes the values of every crop (or slice) of one image as one list: the step runs one level up
    from its data, as Roboflow's dimension collapse and detections stitch do."""


class StepManifest(BaseModel):
    """Base of every block's manifest: ``type`` and ``name``. A field the block does not declare is refused (the step
    and the field named), where Roboflow's manifests ignore it (pydantic's default): a misspelt ``confidence_mode``
    must not fall back to the default unnoticed. Blocks declare every field of Roboflow's manifest for them, those
    without meaning here included; the few undeclared fields Roboflow's own definitions carry are the block's
    :attr:`Block.ignored_fields`."""

    model_config = ConfigDict(
        extra="forbid", populate_by_name=True, arbitrary_types_allowed=True, use_attribute_docstrings=True
    )

    type: str
    name: str


@dataclass(frozen=True)
class StepContext:
    """What a running step knows besides its fields."""

    step: str
    block_type: str
    environment: Environment

    def fail(self, message: str, inner: BaseException | None = None) -> StepExecutionError:
        """An error for this step (raise it)."""
        return StepExecutionError(
            f"step {self.step!r} ({self.block_type}) failed: {message}",
            inner_error=inner or RuntimeError(message),
        )


class Block(ABC):
    """One kind of step. Subclasses set ``manifest`` (whose ``type`` Literal lists the names it answers to) and
    ``outputs``; ``dimensionality_offset`` is 1 for a block making several results per input (dynamic crop)."""

    manifest: ClassVar[type[StepManifest]]
    outputs: ClassVar[dict[str, tuple[Kind, ...]]]
    dimensionality_offset: ClassVar[int] = 0
    description: ClassVar[str] = ""
    ignored_fields: ClassVar[dict[str, str]] = {}
    """Fields Roboflow's manifest does not declare but its own published definitions give this block (Roboflow
    ignores them): accepted with a warning saying why (the value), so those definitions compile as in Roboflow."""

    @classmethod
    def type_names(cls) -> tuple[str, ...]:
        """The ``type`` values this block answers to: its full name first, then Roboflow's short aliases."""
        annotation = cls.manifest.model_fields["type"].annotation
        return tuple(str(name) for name in typing.get_args(annotation))

    @classmethod
    def accepting_fields(cls) -> dict[str, Accepts]:
        found: dict[str, Accepts] = {}
        for name, info in cls.manifest.model_fields.items():
            marker = next((m for m in info.metadata if isinstance(m, Accepts)), None)
            if marker is not None:
                found[name] = marker
        return found

    def step_outputs(self, manifest: StepManifest) -> dict[str, tuple[Kind, ...]]:
        """The outputs of one step of this block: ``outputs``, unless its fields add some (``open_ai@v1`` has an
        output per key of its ``json_output_format``)."""
        return self.outputs

    @abstractmethod
    def run(self, step: Any, context: StepContext) -> dict[str, Any] | Sequence[dict[str, Any]]:
        """Run on one image (or crop): ``step`` is the manifest with every selector replaced by its value.
        Returns the outputs by name; a block with ``dimensionality_offset = 1`` returns a list of them."""
