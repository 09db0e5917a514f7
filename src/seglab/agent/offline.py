"""The built-in planner: common requests without any language model.

It reads the request into intents (:mod:`.intents`), resolves the model (:mod:`.model_choice`), and edits the
current definition through :class:`~seglab.agent.editing.DefinitionEditor`, which wires every new step by the
kinds the registry's manifests declare. What it understands: segment/detect X (with model M), use another model
or Segment Anything, keep only some classes, confidence and area thresholds, count, crop, draw masks, polygons,
boxes or labels (or replace the drawings), and remove any of these again.
"""

from __future__ import annotations

from typing import Any

from seglab.agent.editing import DefinitionEditor
from seglab.agent.explain import explain_steps, removed_steps, summarise
from seglab.agent.intents import VISUALIZATIONS, Intents, Threshold, read_request
from seglab.agent.model_choice import (
    ModelChoice,
    default_model,
    matching_classes,
    named_model,
    pretrained_choice,
    word_forms,
)
from seglab.agent.plan import KnownModel, Plan, PlanningError, PlanRequest
from seglab.agent.questions import answer_question, is_question
from seglab.workflows import BlockRegistry, Kind, WorkflowError, compile_workflow, default_registry

MODEL = "roboflow_core/roboflow_instance_segmentation_model@v2"
SEGMENT_ANYTHING = "roboflow_core/segment_anything@v1"
OPEN_VOCABULARY = "seglab/open_vocabulary_segmentation@v1"
SAM3 = "roboflow_core/sam3@v3"
TEXT_PROMPTED = (OPEN_VOCABULARY, SAM3)
"""Sources that find what their ``class_names`` name."""
FILTER = "roboflow_core/detections_filter@v1"
PROPERTY = "roboflow_core/property_definition@v1"
CROP = "roboflow_core/dynamic_crop@v1"
DRAWINGS = {
    kind: f"roboflow_core/{name}_visualization@v1"
    for kind, name in zip(VISUALIZATIONS, ("mask", "polygon", "bounding_box", "label"), strict=True)
}
_COUNT_OPERATIONS = [{"type": "SequenceLength"}]
_COMPARATORS = {"min": "(Number) >=", "max": "(Number) <="}

HELP = (
    "the built-in planner understands: segment or detect <classes> [with <model>], use <model> (or Segment "
    "Anything) instead, keep only <classes>, confidence above <n>, area larger than <n> pixels, count them, crop "
    "them, draw masks / polygons / boxes / labels [instead], remove <any of these>; set SEGLAB_AGENT_URL to a "
    "chat endpoint for anything else"
)


def _statement(prop: str, comparator: str, value: Any) -> dict[str, Any]:
    return {
        "type": "BinaryStatement",
        "left_operand": {
            "type": "DynamicOperand",
            "operand_name": "_",
            "operations": [{"type": "ExtractDetectionProperty", "property_name": prop}],
        },
        "comparator": {"type": comparator},
        "right_operand": {"type": "StaticOperand", "value": value},
    }


def _statement_key(statement: dict[str, Any]) -> tuple[str, str]:
    """(property, comparator) of a statement the planner wrote; other shapes give empty strings."""
    operations = statement.get("left_operand", {}).get("operations") or [{}]
    return str(operations[0].get("property_name", "")), str(statement.get("comparator", {}).get("type", ""))


class _Session:
    """One request being applied: the editor, the reasons per step and the notes collected on the way."""

    def __init__(self, request: PlanRequest, intents: Intents, registry: BlockRegistry) -> None:
        self.request = request
        self.intents = intents
        self.editor = DefinitionEditor(None if intents.fresh else request.current, registry)
        self.new = not self.editor.steps
        self.image = self.editor.image_input()
        self.reasons: dict[str, str] = {}
        self.notes: list[str] = []
        self.model: KnownModel | None = None
        self.model_changed = False
        self.open_vocabulary = False
        """The source is an open-vocabulary detector looking for the classes named: they need no class filter."""

    def why(self, step: dict[str, Any], reason: str) -> None:
        """Record why ``step`` is there or changed (reasons from several parts of a request add up)."""
        name = str(step["name"])
        self.reasons[name] = f"{self.reasons[name]}; {reason}" if name in self.reasons else reason

    # -- the source of detections ------------------------------------------------------------------------------

    def _model_field(self, step: dict[str, Any]) -> str | None:
        description = self.editor.describe(step)
        if description is None:
            return None
        return next((f.name for f in description.fields if f.kinds and Kind.ROBOFLOW_MODEL_ID in f.kinds), None)

    def _model_in(self, step: dict[str, Any] | None) -> KnownModel | None:
        field = None if step is None else self._model_field(step)
        if step is None or field is None:
            return None
        value = str(step.get(field))
        return next((m for m in self.request.models if value in (m.reference, str(m.id))), None)

    def apply_source(self) -> None:
        source, mention = self.editor.source(), self.intents.model
        if mention is not None and mention.segment_anything:
            self._use_segment_anything(source)
            return
        wanted = self.intents.targets + self.intents.only_classes
        if mention is not None and mention.sam3:
            self._use_open_vocabulary(source, wanted, asked=True, block=SAM3)
            return
        if (mention is not None and mention.open_vocabulary) or (
            mention is None
            and source is None
            and not any(not m.pretrained for m in self.request.models)
            and wanted
            and pretrained_choice(wanted, self.request.models) is None
        ):
            self._use_open_vocabulary(source, wanted, asked=mention is not None)
            return
        prompted = next((t for t in TEXT_PROMPTED if source is not None and self.editor.is_a(source, t)), None)
        if mention is None and source is not None and prompted is not None:
            self._use_open_vocabulary(source, self.intents.targets, asked=False, block=prompted)  # "also find trucks"
            return
        choice: ModelChoice | None = None
        if mention is not None:
            choice = named_model(mention, self.request.models)
        elif source is None:
            choice = default_model(self.intents.targets + self.intents.only_classes, self.request.models)
        if choice is None:
            self.model = self._model_in(source)
            return
        field = None if source is None else self._model_field(source)
        if source is not None and field is not None:
            self.model_changed = self._model_in(source) != choice.model
            source[field] = choice.model.reference
            self.why(source, choice.reason)
        else:
            step = self.editor.wire(MODEL, "model", image=self.image, model_id=choice.model.reference)
            if source is None:
                self.editor.add(step, after=None)
            else:
                self.editor.replace_step(source, step)
            self.model_changed = source is not None
            self.why(step, choice.reason)
        self.model = choice.model
        self.notes.append(f"model: {choice.reason}")

    def _use_segment_anything(self, source: dict[str, Any] | None) -> None:
        reason = (
            "Segment Anything as asked: with no boxes, it outlines the main object of each image (class 'foreground')"
        )
        if source is not None and self.editor.is_a(source, SEGMENT_ANYTHING):
            return
        step = self.editor.wire(SEGMENT_ANYTHING, "segment_anything", image=self.image)
        if source is None:
            self.editor.add(step)
        else:
            self.editor.replace_step(source, step)
        self.model_changed = source is not None
        self.why(step, reason)
        self.notes.append(f"model: {reason}")

    def _use_open_vocabulary(
        self, source: dict[str, Any] | None, names: list[str], *, asked: bool, block: str = OPEN_VOCABULARY
    ) -> None:
        """Text prompts instead of a trained model: what the request names is what the detector (or SAM 3) looks
        for (and the classes it reports), so no class filter is needed."""
        if source is not None and self.editor.is_a(source, block):
            prompts = source.get("class_names")
            known = [str(n) for n in prompts] if isinstance(prompts, list) else []
            added = [n for n in names if n not in known]
            if added:
                source["class_names"] = known + added
                self.why(source, f"it also looks for {', '.join(added)}")
            self.open_vocabulary = True
            return
        if not names:
            raise PlanningError(
                'say what the open-vocabulary detector should find, e.g. "find helmets and bottle caps with OWLv2"'
            )
        if block == SAM3:
            reason = f"SAM 3 as asked: it finds every {', '.join(names)} from text and outlines them, in one model"
            step = self.editor.wire(SAM3, "sam3", image=self.image, class_names=names)
        else:
            how = (
                "open-vocabulary detection as asked" if asked else "no trained model yet, so open-vocabulary detection"
            )
            reason = f"{how}: a detector finds {', '.join(names)} from text and Segment Anything outlines them"
            step = self.editor.wire(OPEN_VOCABULARY, "open_vocabulary", image=self.image, class_names=names)
        if source is None:
            self.editor.add(step)
        else:
            self.editor.replace_step(source, step)
        self.model_changed = source is not None
        self.open_vocabulary = True
        self.why(step, reason)
        self.notes.append(f"model: {reason}")

    # -- filters -------------------------------------------------------------------------------------------------

    def _filter_group(self) -> tuple[dict[str, Any], dict[str, Any]] | None:
        """The filter step on the detections' chain that statements can be added to (one ``DetectionsFilter`` of
        conditions that must all hold), and its statement group."""
        for step in self.editor.chain():
            operations = step.get("operations")
            if self.editor.is_a(step, FILTER) and isinstance(operations, list) and len(operations) == 1:
                group = operations[0].get("filter_operation") if isinstance(operations[0], dict) else None
                if (
                    isinstance(group, dict)
                    and group.get("type") == "StatementGroup"
                    and (group.get("operator") == "and" or len(group.get("statements", [])) <= 1)
                ):
                    return step, group
        return None

    def set_statement(self, prop: str, comparator: str | None, statement: dict[str, Any] | None, reason: str) -> None:
        """Replace the statements on ``prop`` (with ``comparator``, or any) by ``statement`` (``None``: drop them)."""
        found = self._filter_group()
        if found is None and statement is None:
            return
        if found is None:
            operations = [
                {
                    "type": "DetectionsFilter",
                    "filter_operation": {"type": "StatementGroup", "operator": "and", "statements": [statement]},
                }
            ]
            step = self.editor.wire(FILTER, "filter", detections=self.editor.tip(), operations=operations)
            self.editor.insert_after_tip(step)
            self.why(step, reason)
            return
        step, group = found
        kept = [
            s
            for s in group.get("statements", [])
            if not (_statement_key(s)[0] == prop and comparator in (None, _statement_key(s)[1]))
        ]
        group["statements"] = kept + ([statement] if statement is not None else [])
        group["operator"] = "and"
        if not group["statements"]:
            self.editor.remove(step)
        else:
            self.why(step, reason)

    def apply_thresholds(self) -> None:
        for threshold in self.intents.thresholds:
            self._threshold(threshold)

    def _threshold(self, threshold: Threshold) -> None:
        source = self.editor.source()
        description = None if source is None else self.editor.describe(source)
        words = "at least" if threshold.direction == "min" else "at most"
        if (
            threshold.property == "confidence"
            and threshold.direction == "min"
            and description
            and description.field("confidence")
            and source is not None
        ):
            source["confidence"] = threshold.value
            self.why(source, f"keeps detections of confidence {words} {threshold.value:g}")
            return
        unit = "" if threshold.property == "confidence" else " pixels"
        comparator = _COMPARATORS[threshold.direction]
        statement = _statement(threshold.property, comparator, threshold.value)
        self.set_statement(
            threshold.property,
            comparator,
            statement,
            f"keeps detections of {threshold.property} {words} {threshold.value:g}{unit}",
        )

    def apply_classes(self) -> None:
        names = self.intents.targets + self.intents.only_classes
        if not names and self.model_changed:
            names = self._filtered_classes()
            if not names:
                return
        if self.open_vocabulary:
            self._filter_prompted_classes()
            return
        if not names:
            return
        if self.model is None:
            self.notes.append(f"not filtering by class ({', '.join(names)}): this source gives no class names")
            return
        matched, unknown = matching_classes(names, self.model)
        unknown = [n for n in unknown if not word_forms(n) <= word_forms(self.model.project)]
        if unknown:
            classes = ", ".join(self.model.class_names)
            self.notes.append(f"{self.model.reference} has no class {', '.join(unknown)} (its classes: {classes})")
        if matched and set(matched) != set(self.model.class_names):
            statement = _statement("class_name", "in (Sequence)", matched)
            self.set_statement("class_name", None, statement, f"keeps only {', '.join(matched)}")
        else:
            self.set_statement("class_name", None, None, "")
            if matched:
                self.notes.append(f"{', '.join(matched)}: every class of {self.model.reference}, so no class filter")

    def _filter_prompted_classes(self) -> None:
        """With an open-vocabulary source, "only keep helmets" keeps some of the classes it looks for."""
        source = self.editor.source()
        prompts = source.get("class_names") if source is not None else None
        prompted = [str(n) for n in prompts] if isinstance(prompts, list) else []
        keep = [n for n in self.intents.only_classes if n in prompted]
        if keep and set(keep) != set(prompted):
            statement = _statement("class_name", "in (Sequence)", keep)
            self.set_statement("class_name", None, statement, f"keeps only {', '.join(keep)}")

    def _filtered_classes(self) -> list[str]:
        """The classes an existing class filter keeps (to carry over to a new model)."""
        found = self._filter_group()
        for statement in found[1].get("statements", []) if found else []:
            if _statement_key(statement)[0] == "class_name":
                value = statement.get("right_operand", {}).get("value")
                return [str(v) for v in value] if isinstance(value, list) else [str(value)]
        return []

    # -- removals, counts, crops, drawings -----------------------------------------------------------------------

    def apply_removals(self) -> None:
        remove = self.intents.remove
        for prop, key in (("confidence", "confidence"), ("area", "area"), ("class_name", "classes")):
            if key in remove:
                self.set_statement(prop, None, None, "")
        source = self.editor.source()
        if "confidence" in remove and source is not None and "confidence" in source:
            del source["confidence"]
        if "filter" in remove:
            for step in [s for s in self.editor.chain() if self.editor.is_a(s, FILTER)]:
                self.editor.remove(step)
        if "count" in remove:
            for step in self._counts():
                self.editor.remove(step)
        if "crop" in remove:
            for step in self.editor.find(CROP):
                self.editor.remove(step)

    def _counts(self) -> list[dict[str, Any]]:
        return [s for s in self.editor.find(PROPERTY) if s.get("operations") == _COUNT_OPERATIONS]

    def apply_count(self) -> None:
        tip = self.editor.tip()
        if not self.intents.count or tip is None or any(s.get("data") == tip for s in self._counts()):
            return
        step = self.editor.add(self.editor.wire(PROPERTY, "count", data=tip, operations=_COUNT_OPERATIONS))
        self.why(step, "counts the detections")
        self._output("count", step, (Kind.WILDCARD,))

    def apply_crop(self) -> None:
        tip = self.editor.tip()
        if not self.intents.crop or tip is None or self.editor.find(CROP):
            return
        step = self.editor.add(self.editor.wire(CROP, "crop", image=self.image, detections=tip))
        self.why(step, "cuts each detection out of the image; the crops are one output, a list")
        self._output("crops", step, (Kind.IMAGE,))

    def _output(self, name: str, step: dict[str, Any], kinds: tuple[Kind, ...]) -> None:
        description = self.editor.describe(step)
        output = None if description is None else self.editor.output_of(description, kinds)
        if output is not None:
            self.editor.set_output(name, f"$steps.{step['name']}.{output}")

    def _drawing_kind(self, step: dict[str, Any]) -> str | None:
        return next((kind for kind, block in DRAWINGS.items() if self.editor.is_a(step, block)), None)

    def _picture_field(self, step: dict[str, Any]) -> str | None:
        """The field a drawing takes its picture from."""
        description = self.editor.describe(step)
        fields = [] if description is None else description.fields
        return next((f.name for f in fields if f.per_image and f.kinds and Kind.IMAGE in f.kinds), None)

    def _picture(self, step: dict[str, Any]) -> str:
        """The selector of a drawing's picture (its image output)."""
        description = self.editor.describe(step)
        output = None if description is None else self.editor.output_of(description, (Kind.IMAGE,))
        return f"$steps.{step['name']}.{output}"

    def _whole_image_drawings(self) -> list[dict[str, Any]]:
        """Drawings on the whole image: on the input, or on another drawing's picture (not those on crops)."""
        drawings = [s for s in self.editor.steps if self.editor.is_visualization(s)]
        pictures = {self.image} | {self._picture(s) for s in drawings}
        return [s for s in drawings if s.get(self._picture_field(s) or "") in pictures]

    def apply_drawings(self) -> None:
        unwanted = set(self.intents.remove) | (set(DRAWINGS) if self.intents.replace_drawings else set())
        for step in self._whole_image_drawings():
            if self._drawing_kind(step) in unwanted - set(self.intents.draw):
                # what drew on its picture draws on the picture it was given
                self.editor.replace_selector(self._picture(step), step[self._picture_field(step) or ""], outputs=False)
                self.editor.remove(step)
        present = {self._drawing_kind(s) for s in self._whole_image_drawings()}
        tip = self.editor.tip()
        for kind in self.intents.draw:
            if kind not in present and tip is not None:
                step = self.editor.add(
                    self.editor.wire(DRAWINGS[kind], f"{kind}_visualization", image=self.image, detections=tip)
                )
                self.why(step, f"draws the detections' {kind}s on the image")
        self._chain_drawings()

    def _chain_drawings(self) -> None:
        """Each drawing draws on the previous one's picture (labels last, on top); one output shows the result."""
        drawings = sorted(self._whole_image_drawings(), key=lambda s: self._drawing_kind(s) == "label")
        pictures = [self.image]
        for step in drawings:
            step[self._picture_field(step) or ""] = pictures[-1]
            pictures.append(self._picture(step))
        if not drawings:
            return
        final, kept, shown = pictures[-1], [], False
        for entry in self.editor.definition["outputs"]:  # an output of a picture on the way shows the final one
            if entry.get("selector") in pictures[1:]:
                if shown:
                    continue
                entry["selector"], shown = final, True
            kept.append(entry)
        self.editor.definition["outputs"] = kept
        self.editor.set_output("visualization", final)


class OfflinePlanner:
    """Plans common requests with rules over the block catalogue; needs no network and no language model."""

    name = "offline"

    def __init__(self, registry: BlockRegistry | None = None) -> None:
        self.registry = registry or default_registry()

    def plan(self, request: PlanRequest) -> Plan:
        if is_question(request.text):
            return answer_question(request.text, request.current, self.registry, request.models, request.last_run)
        intents = read_request(request.text)
        if not intents.understood():
            raise PlanningError(f"could not read a workflow request in {request.text!r}: {HELP}")
        session = _Session(request, intents, self.registry)
        session.apply_source()
        session.apply_thresholds()
        session.apply_classes()
        session.apply_removals()
        session.apply_count()
        session.apply_crop()
        session.apply_drawings()
        tip = session.editor.tip()
        if session.new and tip is not None:
            session.editor.set_output("predictions", tip)
        definition = session.editor.definition
        try:
            compile_workflow(definition, self.registry)
        except WorkflowError as error:
            raise PlanningError(f"the edited workflow does not compile: {error.message}") from error
        steps = explain_steps(request.current, definition, self.registry, session.reasons)
        removed = removed_steps(request.current, definition)
        return Plan(
            definition=definition,
            summary=summarise(steps, removed, fresh=session.new),
            engine=self.name,
            notes=session.notes,
            steps=steps,
            removed=removed,
        )
