"""Selectors: the ``$inputs.x``, ``$steps.s.output``, ``$steps.s.*`` and ``$steps.s`` strings that wire a workflow."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

_NAME = r"[A-Za-z0-9_][A-Za-z0-9_\-]*"
_INPUT = re.compile(rf"^\$inputs\.({_NAME})$")
_STEP_OUTPUT = re.compile(rf"^\$steps\.({_NAME})\.({_NAME}|\*)$")
_STEP = re.compile(rf"^\$steps\.({_NAME})$")


@dataclass(frozen=True)
class Selector:
    """A parsed selector. ``step`` is set for step selectors, ``output`` is ``"*"`` for every output of a step,
    and ``None`` for a selector of the step itself (``$steps.s``, as ``continue_if``'s ``next_steps`` use)."""

    text: str
    input: str | None = None
    step: str | None = None
    output: str | None = None

    @property
    def is_input(self) -> bool:
        return self.input is not None

    @property
    def is_step_itself(self) -> bool:
        return self.step is not None and self.output is None


def looks_like_selector(value: object) -> bool:
    return isinstance(value, str) and value.startswith("$")


def parse_selector(text: str) -> Selector | None:
    """The selector ``text`` spells, or ``None`` when it is malformed."""
    if match := _INPUT.match(text):
        return Selector(text, input=match.group(1))
    if match := _STEP_OUTPUT.match(text):
        return Selector(text, step=match.group(1), output=match.group(2))
    if match := _STEP.match(text):
        return Selector(text, step=match.group(1))
    return None


def find_selectors(value: Any, path: str) -> Iterator[tuple[str, str]]:
    """Every ``$``-string inside ``value`` (nested in lists and dict values), with where it sits (``field.key[0]``)."""
    if looks_like_selector(value):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from find_selectors(item, f"{path}.{key}")
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from find_selectors(item, f"{path}[{index}]")


def substitute(value: Any, resolve: Any) -> Any:
    """``value`` with each ``$``-string replaced by ``resolve(text)`` (same nesting)."""
    if looks_like_selector(value):
        return resolve(value)
    if isinstance(value, dict):
        return {key: substitute(item, resolve) for key, item in value.items()}
    if isinstance(value, list):
        return [substitute(item, resolve) for item in value]
    return value
