"""Questions about the current workflow, answered without a language model: "which block draws the masks?",
"why are some cars missing?", "what does the filter keep?".

An answer names the step (and the parameter that decides) from what the definition says and what the block
manifests describe: a step is matched by the words of its name, its block's type name and summary, so a block a
plugin adds is found the same way. The definition is left as it is; the plan is marked as an answer.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from seglab.agent.catalogue import BlockDescription, describe_block
from seglab.agent.explain import operations_text, statement_text, wiring_text
from seglab.agent.plan import KnownModel, Plan, PlanningError, StepExplanation
from seglab.workflows import BlockRegistry, Kind

_QUESTION = re.compile(r"^\s*(?:which|what|why|where|who|whose|does|do|is|are|explain|tell me)\b", re.IGNORECASE)
_NOT_QUESTION = re.compile(r"^\s*(?:how many|what if)\b", re.IGNORECASE)
_MISSING = re.compile(r"\b(?:missing|missed|miss|not (?:found|detected|segmented|shown)|few|fewer|lost|dropped)\b")
_MISSING_WORDS = frozenset(
    ["missing", "missed", "miss", "not", "found", "detected", "segment", "shown", "few", "fewer", "lost", "dropped"]
)
_STOP = frozenset(
    [
        "which",
        "what",
        "why",
        "where",
        "who",
        "whose",
        "does",
        "do",
        "did",
        "is",
        "are",
        "the",
        "a",
        "an",
        "of",
        "in",
        "on",
        "my",
        "this",
        "that",
        "block",
        "blocks",
        "step",
        "steps",
        "node",
        "nodes",
        "workflow",
        "responsible",
        "for",
        "it",
        "its",
        "them",
        "there",
        "some",
        "any",
        "how",
        "to",
        "be",
        "by",
        "from",
        "with",
        "and",
        "or",
    ]
)
_SYNONYMS = {
    "draws": "draw",
    "drawn": "draw",
    "drawing": "draw",
    "paints": "draw",
    "visualises": "draw",
    "visualizes": "draw",
    "visualization": "draw",
    "visualisation": "draw",
    "shows": "draw",
    "outlines": "outline",
    "polygons": "outline",
    "polygon": "outline",
    "boxes": "box",
    "bounding": "box",
    "keeps": "filter",
    "keep": "filter",
    "filters": "filter",
    "drops": "filter",
    "removes": "filter",
    "segments": "segment",
    "segmentation": "segment",
    "detects": "segment",
    "detect": "segment",
    "finds": "segment",
    "find": "segment",
    "predicts": "segment",
    "counts": "count",
    "crops": "crop",
    "labels": "label",
    "writes": "label",
}


def is_question(text: str) -> bool:
    """Whether ``text`` asks about the workflow rather than asking for a change."""
    return bool(_QUESTION.search(text)) and not _NOT_QUESTION.search(text)


def _words(text: str) -> set[str]:
    words = set()
    for word in re.findall(r"[a-z]+", text.lower().replace("_", " ")):
        word = _SYNONYMS.get(word, word)
        word = word[:-1] if word.endswith("s") and len(word) > 3 and word not in ("class",) else word
        words.add(_SYNONYMS.get(word, word))
    return words - _STOP


class _Workflow:
    """The definition's steps with their blocks' descriptions."""

    def __init__(self, definition: Mapping[str, Any], registry: BlockRegistry) -> None:
        self.definition = definition
        self.registry = registry
        self.steps = [s for s in definition.get("steps") or [] if isinstance(s, Mapping)]
        self.described: dict[str, BlockDescription | None] = {}
        for step in self.steps:
            block = registry.get(str(step.get("type")))
            self.described[str(step.get("name"))] = describe_block(block) if block is not None else None

    def vocabulary(self, step: Mapping[str, Any]) -> set[str]:
        description = self.described.get(str(step.get("name")))
        about = f"{step.get('name')} {step.get('type')}"
        if description is not None:
            about += f" {description.summary}"
        return _words(about)

    def matching(self, question: str) -> list[Mapping[str, Any]]:
        """The steps sharing the most words with ``question`` (a step named in it wins outright)."""
        lowered = question.lower()
        named = [s for s in self.steps if re.search(rf"\b{re.escape(str(s.get('name')).lower())}\b", lowered)]
        if named:
            return named
        wanted = _words(question)
        scored = [(len(wanted & self.vocabulary(step)), step) for step in self.steps]
        best = max((score for score, _ in scored), default=0)
        return [step for score, step in scored if score == best and best > 0]

    def describe(self, step: Mapping[str, Any]) -> str:
        description = self.described.get(str(step.get("name")))
        return description.summary if description is not None else f"unknown block {step.get('type')}"

    def sources(self) -> list[Mapping[str, Any]]:
        """Steps that make detections from images: those with a predictions output and no predictions field."""
        found = []
        for step in self.steps:
            description = self.described.get(str(step.get("name")))
            if description is None:
                continue
            makes = any(Kind.INSTANCE_SEGMENTATION in kinds for kinds in description.outputs.values())
            takes = any(f.kinds and Kind.INSTANCE_SEGMENTATION in f.kinds for f in description.fields)
            if makes and not takes:
                found.append(step)
        return found

    def filters(self) -> list[Mapping[str, Any]]:
        return [s for s in self.steps if "filter" in self.vocabulary(s) and "operations" in s]


def _explained(step: Mapping[str, Any], workflow: _Workflow, reason: str) -> StepExplanation:
    return StepExplanation(
        name=str(step.get("name")),
        type=str(step.get("type")),
        description=workflow.describe(step),
        wiring=wiring_text(step, workflow.registry),
        change="unchanged",
        reason=reason,
    )


def _ran(last_run: Mapping[str, Any] | None, selector: object) -> str | None:
    """What the last run says a ``$steps.s.out`` selector gave: ``3 (car 2, bus 1)``, or the value itself."""
    match = re.fullmatch(r"\$steps\.([^.]+)\.([^.]+)", str(selector))
    outputs = (last_run or {}).get(match.group(1)) if match else None
    if not match or not isinstance(outputs, Mapping) or match.group(2) not in outputs:
        return None
    value = outputs[match.group(2)]
    if isinstance(value, Mapping) and "count" in value:
        classes = value.get("classes") or {}
        named = ", ".join(f"{name} {count}" for name, count in classes.items()) if isinstance(classes, Mapping) else ""
        return f"{value['count']}" + (f" ({named})" if named else "")
    return json.dumps(value)


def _what_it_keeps(step: Mapping[str, Any]) -> str:
    return operations_text(step.get("operations")) if "operations" in step else ""


def _missing(
    question: str, workflow: _Workflow, models: tuple[KnownModel, ...], last_run: Mapping[str, Any] | None
) -> tuple[str, list[StepExplanation]]:
    """Why detections may be missing: each source's confidence (and class filter), each filter's statements, a named
    class the model does not know, and what each of them gave in the last run."""
    parts: list[str] = []
    steps: list[StepExplanation] = []
    for step in workflow.sources():
        description = workflow.described.get(str(step.get("name")))
        settings = []
        confidence = description.field("confidence") if description else None
        if confidence is not None:
            value = step.get("confidence", confidence.default)
            settings.append(f"{step.get('name')}.confidence = {json.dumps(value)} (lower it to keep less sure ones)")
        if step.get("class_filter"):
            settings.append(f"{step.get('name')}.class_filter = {json.dumps(step.get('class_filter'))}")
        gave = _ran(last_run, f"$steps.{step.get('name')}.predictions")
        if gave is not None:
            settings.append(f"in the last run it found {gave}")
        model = next((m for m in models if str(step.get("model_id")) in (m.reference, str(m.id))), None)
        asked = _words(question) - _MISSING_WORDS
        if model is not None and asked and not asked & _words(" ".join(model.class_names)):
            settings.append(f"{model.reference} knows only {', '.join(model.class_names)}")
        if settings:
            parts.append("; ".join(settings))
            steps.append(_explained(step, workflow, "its settings decide which detections it gives"))
    for step in workflow.filters():
        keeps = _what_it_keeps(step)
        part = f"{step.get('name')} {keeps}" if keeps else f"{step.get('name')} filters the detections"
        given, kept = _ran(last_run, step.get("predictions")), _ran(last_run, f"$steps.{step.get('name')}.predictions")
        if given is not None and kept is not None:
            part += f" (in the last run it kept {kept} of {given})"
        parts.append(part)
        steps.append(_explained(step, workflow, keeps or "filters the detections"))
    if not parts:
        return "nothing in this workflow drops detections: the model does not find them", steps
    return "detections are dropped by: " + "; ".join(parts), steps


def answer_question(
    question: str,
    definition: Mapping[str, Any] | None,
    registry: BlockRegistry,
    models: tuple[KnownModel, ...] = (),
    last_run: Mapping[str, Any] | None = None,
) -> Plan:
    """The answer to ``question`` about ``definition`` as a plan that changes nothing (``question`` set)."""
    if not definition or not definition.get("steps"):
        raise PlanningError("there is no workflow to ask about yet: build one, or describe what it should do")
    workflow = _Workflow(definition, registry)
    if _MISSING.search(question.lower()):
        summary, steps = _missing(question, workflow, models, last_run)
    else:
        found = workflow.matching(question)
        if not found:
            names = ", ".join(str(s.get("name")) for s in workflow.steps)
            raise PlanningError(f"no step of this workflow matches {question!r} (its steps: {names})")
        lines, steps = [], []
        for step in found:
            keeps = _what_it_keeps(step)
            condition = step.get("condition_statement")
            detail = keeps or (f"runs on when {statement_text(condition)}" if isinstance(condition, Mapping) else "")
            line = f"{step.get('name')} ({step.get('type')}): {workflow.describe(step)}"
            lines.append(f"{line}; {detail}" if detail else line)
            steps.append(_explained(step, workflow, detail or workflow.describe(step)))
        summary = "; ".join(lines)
    return Plan(definition=dict(definition), summary=summary, engine="offline", steps=steps, question=True)
