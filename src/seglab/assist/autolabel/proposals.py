"""From text prompts to instances on one image: the detector scores boxes against every prompt, each box keeps
its best prompt if that prompt's class threshold allows, overlapping boxes of different prompts are reduced to
the best one (NMS across prompts), and a promptable segmenter (SAM 2.1, or the GrabCut fallback) turns each box
into a mask, all boxes of the image sharing one image embedding. Example boxes ("more like this", SAM 3 only) add
their class's candidates to the text prompts' (see :mod:`seglab.assist.autolabel.examples`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import numpy as np
import numpy.typing as npt

from seglab.assist.autolabel.detectors import OpenVocabularyDetector, QueryScores
from seglab.assist.autolabel.examples import ExampleBox, ExampleDetector, Exemplar, like_examples
from seglab.assist.prompts import Prompt, RgbImage, Segmenter
from seglab.errors import InvalidInputError


@dataclass(frozen=True)
class ClassPrompt:
    """A text the detector looks for and the class what it finds is labelled as (several texts may name one
    class: "hard hat" and "helmet" → ``helmet``)."""

    text: str
    class_name: str

    def __post_init__(self) -> None:
        if not self.text.strip() or not self.class_name.strip():
            raise InvalidInputError("a prompt needs a text and a class name")
        object.__setattr__(self, "text", self.text.strip())
        object.__setattr__(self, "class_name", self.class_name.strip())

    @classmethod
    def parse(cls, value: str) -> ClassPrompt:
        """``"bottle cap"`` (the class is the text) or ``"hard hat=helmet"`` (text ``=`` class)."""
        text, _, class_name = value.partition("=")
        return cls(text, class_name or text)


@dataclass(frozen=True)
class AutolabelSettings:
    prompts: tuple[ClassPrompt, ...]
    threshold: float = 0.3
    """The lowest detector score kept, for classes without their own threshold."""
    class_thresholds: Mapping[str, float] = field(default_factory=dict)
    nms_iou: float = 0.5
    """Boxes overlapping a better one by more than this IoU are dropped, whichever prompt found them."""
    max_instances: int = 100
    """Per image, the best ones."""
    examples: tuple[ExampleBox, ...] = ()
    """Example boxes: more like them (and not like the negative ones), each of a class a prompt names."""

    def __post_init__(self) -> None:
        if not self.prompts:
            raise InvalidInputError("give at least one prompt (the name of what to find)")
        first = self.prompts[0].class_name
        examples = tuple(replace(e, class_name=e.class_name or first) for e in self.examples)
        object.__setattr__(self, "examples", examples)
        for example in examples:
            if example.class_name not in self.class_names:
                raise InvalidInputError(f"example box of class {example.class_name!r}, which no prompt names")
            if not any(e.positive and e.class_name == example.class_name for e in examples):
                raise InvalidInputError(f"a negative example of {example.class_name!r} needs a positive one too")
        unknown = set(self.class_thresholds) - set(self.class_names)
        if unknown:
            raise InvalidInputError(f"thresholds for classes no prompt names: {', '.join(sorted(unknown))}")
        for value in (self.threshold, self.nms_iou, *self.class_thresholds.values()):
            if not 0.0 <= value <= 1.0:
                raise InvalidInputError(f"thresholds and IoU are between 0 and 1, got {value}")
        if self.max_instances < 1:
            raise InvalidInputError("max_instances is at least 1")

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> AutolabelSettings:
        """From :meth:`to_json`'s shape (a job's parameters)."""
        prompts = tuple(ClassPrompt(p["text"], p["class_name"]) for p in data["prompts"])
        examples = tuple(
            ExampleBox(e["image_id"], tuple(e["box"]), e["class_name"], e["positive"]) for e in data.get("examples", ())
        )
        rest = {k: v for k, v in data.items() if k not in ("prompts", "examples")}
        return cls(prompts, examples=examples, **rest)

    def to_json(self) -> dict[str, Any]:
        return {
            **asdict(self),
            "prompts": [asdict(p) for p in self.prompts],
            "class_thresholds": dict(self.class_thresholds),
            "examples": [{**asdict(e), "box": list(e.box)} for e in self.examples],
        }

    @property
    def class_names(self) -> list[str]:
        return list(dict.fromkeys(p.class_name for p in self.prompts))

    def threshold_for(self, class_name: str) -> float:
        return self.class_thresholds.get(class_name, self.threshold)


@dataclass(frozen=True)
class Proposal:
    class_name: str
    prompt: str
    confidence: float
    """The detector's score for the prompt."""
    box: npt.NDArray[np.float32]
    """``x0, y0, x1, y1`` in image pixels, as the detector gave it."""
    mask: npt.NDArray[np.bool_]
    """``(H, W)``, the segmenter's answer to the box."""
    mask_score: float


@dataclass(frozen=True)
class Candidate:
    box: npt.NDArray[np.float32]
    prompt_index: int
    score: float
    row: int
    """Its row in the detector's :class:`QueryScores` (for a detector that gives masks)."""


def select_candidates(found: QueryScores, settings: AutolabelSettings) -> list[Candidate]:
    """Best prompt per box, the class thresholds, NMS across prompts, the best ``max_instances``; best first."""
    import supervision as sv

    if not len(found.boxes):
        return []
    best = found.scores.argmax(axis=1)
    score = found.scores[np.arange(len(best)), best]
    limits = np.array([settings.threshold_for(settings.prompts[i].class_name) for i in best], np.float32)
    widths = found.boxes[:, 2] - found.boxes[:, 0]
    heights = found.boxes[:, 3] - found.boxes[:, 1]
    kept = np.flatnonzero((score >= limits) & (widths >= 1) & (heights >= 1))
    if len(kept) > 1:
        rows = np.column_stack([found.boxes[kept], score[kept]]).astype(np.float64)
        kept = kept[sv.box_non_max_suppression(rows, iou_threshold=settings.nms_iou)]
    order = kept[np.argsort(-score[kept], kind="stable")][: settings.max_instances]
    return [Candidate(found.boxes[i], int(best[i]), float(score[i]), int(i)) for i in order]


def _with_examples(
    image: RgbImage, detector: OpenVocabularyDetector, found: QueryScores, settings: AutolabelSettings,
    exemplars: Sequence[Exemplar],
) -> QueryScores:  # fmt: skip
    """The text prompts' candidates and, for each class with examples, those like its examples, scored in the
    column of the class's first prompt (so thresholds and NMS across prompts treat them alike)."""
    if not hasattr(detector, "detect_like") or found.masks is None:
        raise InvalidInputError(f"example boxes need SAM 3 (--detector sam3); {detector.name} takes text only")
    like: ExampleDetector = detector  # type: ignore[assignment]
    parts: list[tuple[QueryScores, int | None]] = [(found, None)]
    for class_name in dict.fromkeys(e.class_name for e in exemplars if e.positive):
        column = next(i for i, p in enumerate(settings.prompts) if p.class_name == class_name)
        chosen = [e for e in exemplars if e.class_name == class_name]
        parts.append((like_examples(image, like, chosen, settings.prompts[column].text), column))
    boxes = np.concatenate([part.boxes for part, _ in parts]).reshape(-1, 4).astype(np.float32)
    scores = np.zeros((len(boxes), len(settings.prompts)), np.float32)
    owners: list[tuple[QueryScores, int]] = []
    start = 0
    for part, prompt_column in parts:
        rows = slice(start, start + len(part.boxes))
        if prompt_column is None:
            scores[rows] = part.scores
        else:
            scores[rows, prompt_column] = part.scores[:, 0]
        owners.extend((part, row) for row in range(len(part.boxes)))
        start += len(part.boxes)

    def mask(row: int) -> npt.NDArray[np.bool_]:
        part, index = owners[row]
        assert part.masks is not None
        return part.masks(index)

    return QueryScores(boxes, scores, mask)


def propose(
    image: RgbImage,
    detector: OpenVocabularyDetector,
    segmenter: Segmenter | None,
    settings: AutolabelSettings,
    exemplars: Sequence[Exemplar] = (),
) -> list[Proposal]:
    """The instances the prompts (and the ``exemplars``, the example boxes' pixels) find in ``image``, best first;
    boxes whose mask comes back empty are left out. A detector that segments too (SAM 3) gives the masks itself,
    and ``segmenter`` is not used."""
    found = detector.detect(image, [p.text for p in settings.prompts])
    if exemplars:
        found = _with_examples(image, detector, found, settings, exemplars)
    candidates = select_candidates(found, settings)
    if not candidates:
        return []
    if found.masks is None and segmenter is None:
        raise InvalidInputError(f"{detector.name} finds boxes only: give a segmenter to turn them into masks")
    embedding = segmenter.embed(image) if found.masks is None and segmenter is not None else None
    proposals = []
    for candidate in candidates:
        if found.masks is not None:
            mask, mask_score = found.masks(candidate.row), candidate.score
        else:
            assert segmenter is not None
            answer = segmenter.segment(embedding, Prompt(box=candidate.box))
            mask, mask_score = answer.mask, answer.score
        if not mask.any():
            continue
        prompt = settings.prompts[candidate.prompt_index]
        proposals.append(Proposal(prompt.class_name, prompt.text, candidate.score, candidate.box, mask, mask_score))
    return proposals
