"""The block catalogue, read off the registry: each block's type name, what it does, its fields (type, accepted
kinds, default, the manifest's own docstrings) and its outputs with their kinds.

Both engines work from this and nothing else: the chat engine's prompt lists it, and the offline planner wires
steps by the kinds it reports. A block registered by a third party is described (and usable) the same way.
"""

from __future__ import annotations

import inspect
import json
import types
import typing
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import AliasChoices, BaseModel

from seglab.workflows import Accepts, Block, BlockRegistry, Kind


@dataclass(frozen=True)
class FieldDescription:
    name: str
    type: str
    """The literal values it takes, spelled as a type (``number | selector``)."""
    kinds: tuple[Kind, ...] | None
    """The kinds a selector here may point at; ``None`` when the field takes literals only."""
    per_image: bool
    """Data that exists once per image (or crop): images, predictions."""
    required: bool
    default: Any = None
    aliases: tuple[str, ...] = ()
    description: str | None = None


@dataclass(frozen=True)
class BlockDescription:
    type: str
    """The full name (``roboflow_core/mask_visualization@v1``); ``aliases`` are the short ones."""
    aliases: tuple[str, ...]
    summary: str
    details: str
    fields: tuple[FieldDescription, ...]
    outputs: dict[str, tuple[Kind, ...]]
    per_crop: bool
    """Steps after it run once per crop (its outputs are lists)."""

    def field(self, name: str) -> FieldDescription | None:
        return next((f for f in self.fields if f.name == name), None)


def _is_selector(metadata: object) -> bool:
    patterns = [getattr(metadata, "pattern", None)]
    patterns += [getattr(inner, "pattern", None) for inner in getattr(metadata, "metadata", [])]
    return any(str(pattern).startswith("^\\$") for pattern in patterns if pattern)


def type_text(annotation: Any) -> str:
    """A short spelling of a manifest field's type, as a person (or a chat model) reads it."""
    origin = typing.get_origin(annotation)
    arguments = typing.get_args(annotation)
    if origin is Annotated:
        return "selector" if any(_is_selector(m) for m in arguments[1:]) else type_text(arguments[0])
    if origin in (typing.Union, types.UnionType):
        parts = dict.fromkeys(type_text(argument) for argument in arguments)
        return " | ".join(parts)
    if origin is Literal:
        return " | ".join(json.dumps(value) for value in arguments)
    if origin in (list, tuple):
        return f"list of {type_text(arguments[0])}" if arguments else "list"
    if origin is dict:
        return "object"
    if annotation is type(None):
        return "null"
    if annotation in (int, float):
        return "number" if annotation is float else "integer"
    if annotation is bool:
        return "boolean"
    if annotation is str:
        return "string"
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation.__name__
    return getattr(annotation, "__name__", str(annotation))


def _aliases(info: Any, name: str) -> tuple[str, ...]:
    alias = info.validation_alias
    if isinstance(alias, AliasChoices):
        return tuple(str(choice) for choice in alias.choices if choice != name)
    return ()


def describe_block(block: type[Block]) -> BlockDescription:
    accepting = block.accepting_fields()
    fields = []
    for name, info in block.manifest.model_fields.items():
        if name in ("type", "name"):
            continue
        accepts: Accepts | None = accepting.get(name)
        required = info.is_required()
        selector_only = any(_is_selector(metadata) for metadata in info.metadata)  # pydantic lifts the outer Annotated
        fields.append(
            FieldDescription(
                name=name,
                type="selector" if selector_only else type_text(info.annotation),
                kinds=None if accepts is None or accepts.steps else accepts.kinds,
                per_image=bool(accepts and accepts.batch),
                required=required,
                default=None if required else info.get_default(call_default_factory=True),
                aliases=_aliases(info, name),
                description=info.description,
            )
        )
    names = block.type_names()
    return BlockDescription(
        type=names[0],
        aliases=names[1:],
        summary=block.description or names[0],
        details=inspect.cleandoc(block.__dict__.get("__doc__") or ""),  # its own, not an inherited base's
        fields=tuple(fields),
        outputs=dict(block.outputs),
        per_crop=block.dimensionality_offset > 0,
    )


def describe_blocks(registry: BlockRegistry) -> list[BlockDescription]:
    return [describe_block(block) for block in registry]


def _field_line(field: FieldDescription) -> str:
    presence = "required" if field.required else f"default {json.dumps(field.default, default=str)}"
    accepted = f"; a selector here points at {' or '.join(field.kinds)}" if field.kinds else ""
    per_image = " (per image)" if field.per_image else ""
    also = f"; also spelled {', '.join(field.aliases)}" if field.aliases else ""
    about = f" — {' '.join(field.description.split())}" if field.description else ""
    return f"    {field.name} ({presence}): {field.type}{accepted}{per_image}{also}{about}"


def catalogue_text(registry: BlockRegistry) -> str:
    """Every block as plain text: the part of the chat engine's prompt that says what can be built."""
    lines = []
    for block in describe_blocks(registry):
        details = " ".join(block.details.split())
        summary = block.summary if block.summary.endswith(".") else f"{block.summary}."
        lines.append(f"- {block.type}: {summary}" + (f" {details}" if details else ""))
        if block.per_crop:
            lines.append("  (the steps fed by its outputs run once per crop)")
        lines.append("  fields:")
        lines.extend(_field_line(field) for field in block.fields)
        outputs = "; ".join(f"{name}: {' or '.join(kinds)}" for name, kinds in block.outputs.items()) or "none"
        lines.append(f"  outputs: {outputs}")
    return "\n".join(lines)
