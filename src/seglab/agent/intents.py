"""Reading a plain-language request into intents: what to segment, with which model, how to filter, whether to
count or crop, what to draw, and what to take out again.

The request is cut into clauses (at commas, "then", "and" before a new verb) and each clause is read for one
purpose, so "segment boxes, draw masks" makes a ``box`` class target and a mask drawing, never a box drawing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

Visualization = Literal["mask", "polygon", "box", "label"]
VISUALIZATIONS: tuple[Visualization, ...] = ("mask", "polygon", "box", "label")
"""Drawing order: labels last, so nothing is drawn over them."""

Direction = Literal["min", "max"]

_VERBS = (
    r"count|crop|cut|draw|outline|visuali[sz]e|show|display|overlay|annotate|render|paint|plot|highlight|keep|filter|only|"
    r"remove|drop|delete|use|switch|swap|segment|detect|find|locate|output|return"
)
_CLAUSES = re.compile(
    rf"(?:[,;!?]|\.(?!\d))+\s*|\s+(?:and\s+)?then\s+|\s+and\s+(?=(?:also\s+)?(?:{_VERBS})\b)", re.IGNORECASE
)

_FRESH = re.compile(r"\b(?:create|make|build|new|start over|from scratch|set up)\b.*\bworkflow\b|\bstart over\b")
_NEGATION = re.compile(r"\b(?:remove|drop|delete|without|no longer|stop|don'?t|do not|no|skip|get rid of)\b")
_DRAW = re.compile(
    r"\b(?:visuali[sz]\w*|draw\w*|show\w*|display\w*|overlay\w*|annotat\w*|render\w*|paint\w*|plot\w*|"
    r"highlight\w*|colou?r\w*|outlin\w*)\b"
)
_KIND_WORDS: dict[Visualization, re.Pattern[str]] = {
    "mask": re.compile(r"\b(?:masks?|fill\w*|colou?red (?:regions?|areas?))\b"),
    "polygon": re.compile(r"\b(?:polygons?|outlines?|contours?|borders?)\b"),
    "box": re.compile(r"\b(?:(?:bounding )?box(?:es)?|rectangles?)\b"),
    "label": re.compile(r"\b(?:labels?|class names?|captions?|text)\b"),
}
_COUNT = re.compile(r"\b(?:count\w*|how many|number of|tally)\b")
_CROP = re.compile(r"\b(?:crop\w*|cut (?:them |each \w+ )?out)\b")
_MEASURES = re.compile(r"\b(?:confiden\w*|score|area|pixels?|px)\b")

_TARGET = re.compile(
    r"\b(?:segment|detect|find|locate|spot|identify|recogni[sz]e|count)\s+(?:all\s+|the\s+|every\s+|each\s+|any\s+)*"
    r"(?!(?:with|using|by|via)\b)(?P<what>[\w\s'/-]+?)"
    r"(?=\s+(?:with|using|by|via|in|on|from|through|instead|that|which|at|above|over|below)\b|$)"
)
_ONLY = re.compile(
    r"\b(?:only(?:\s+keep)?|keep(?:\s+only)?|just|filter\s+(?:by|to|for|on)(?:\s+class(?:es)?)?|"
    r"classes?)\s+(?:the\s+)?(?P<what>[\w\s'-]+?)(?=\s+(?:with|using|by|and then|that|which)\b|$)"
)
_NOT_CLASSES = frozenset(
    re.findall(
        r"\S+",
        "all any each every the them those these ones it its objects object things thing instances instance "
        "detections detection everything predictions prediction results a an of",
    )
)

_NUMBER = r"(?P<number>\d+(?:\.\d+)?|\.\d+)\s*(?P<percent>%|percent)?"
_MIN = (
    r"above|over|greater than|more than|higher than|at least|>=|>|exceeds?|larger than|bigger than|"
    r"min(?:imum)?(?: of)?|no less than"
)
_MAX = r"below|under|less than|lower than|at most|<=|<|smaller than|max(?:imum)?(?: of)?|no more than"
_COMPARISON = re.compile(
    rf"(?P<direction>{_MIN}|{_MAX})\s*(?:a\s+)?(?:confidence\s+(?:of\s+)?|area\s+(?:of\s+)?)?{_NUMBER}"
)
_CONFIDENCE = re.compile(r"confiden\w*|score|certain\w*|sure|probabilit\w*")
_AREA = re.compile(r"\barea\b|pixels?\b|\bpx\b|larger|bigger|smaller|\bsize\b")

_MODEL_ID = re.compile(r"\bmodel\s*(?:#|id\s*|number\s*|no\.?\s*)?(?P<id>\d+)\b")
_REFERENCE = re.compile(r"(?<![\w./-])(?P<reference>[a-z0-9][\w.-]*/\d+)\b")
"""Tried only where a token starts: from inside one (after a dot or dash) every position would scan to its end."""
_SAM = re.compile(r"\b(?:sam\s*2?(?:\.1)?|segment[- ]anything)\b")
_SAM3 = re.compile(r"\b(?:sam\s*-?\s*3|segment[- ]anything[- ]3)\b")
_OPEN_VOCABULARY = re.compile(
    r"\b(?:owl-?v2|owl-?vit|grounding[- ]?dino|open[- ]vocabulary|zero[- ]shot|text[- ]prompts?|rapid)\b"
)
_NAMED_MODEL = re.compile(r"(?<![\w-])(?P<name>[\w-]+(?:\s+[\w-]+){0,2}?)\s+model\b")
"""Tried only where a word starts: from every position of a long word it took time cubic in its length."""
_SWAP_TO = re.compile(
    r"\b(?:swap|switch|change|replace)\s+(?:the\s+)?model\s+(?:to|for|with)\s+(?:my\s+|the\s+|our\s+)?(?P<name>[\w-]+)"
)
_MODEL_FILLER = frozenset(
    re.findall(
        r"\S+",
        "use uses using with my the our a an this that your me to try switch swap change instead trained "
        "segmentation instance rf-detr rfdetr detr rf-detr-seg seg newest latest best last same current another "
        "other different",
    )
)


@dataclass(frozen=True)
class ModelMention:
    """How a request names the model: by id (``model 3``), ``project/version``, words (``my ASL model``), SAM, or an
    open-vocabulary detector."""

    id: int | None = None
    reference: str | None = None
    words: tuple[str, ...] = ()
    segment_anything: bool = False
    open_vocabulary: bool = False
    """An open-vocabulary detector (OWLv2, Grounding DINO) finding what is named, masked by Segment Anything."""
    sam3: bool = False
    """SAM 3, finding and outlining what is named in one model."""


@dataclass(frozen=True)
class Threshold:
    property: Literal["confidence", "area"]
    direction: Direction
    value: float


@dataclass
class Intents:
    fresh: bool = False
    """Start a new workflow rather than edit the current one."""
    model: ModelMention | None = None
    targets: list[str] = field(default_factory=list)
    """What to segment ("cars"): a class filter when the model knows them."""
    only_classes: list[str] = field(default_factory=list)
    thresholds: list[Threshold] = field(default_factory=list)
    count: bool = False
    crop: bool = False
    draw: list[Visualization] = field(default_factory=list)
    replace_drawings: bool = False
    """"... instead": the new drawings replace the ones there."""
    remove: set[str] = field(default_factory=set)
    """``count``, ``crop``, ``filter``, ``classes``, ``confidence``, ``area`` or a visualization kind."""

    def understood(self) -> bool:
        return bool(
            self.model
            or self.targets
            or self.only_classes
            or self.thresholds
            or self.count
            or self.crop
            or self.draw
            or self.remove
        )


def _names(text: str) -> list[str]:
    """Class names in "cars and trucks", "cats, dogs or birds"."""
    parts = re.split(r"\s*(?:,|/|\band\b|\bor\b|&)\s*", text)
    names = []
    for part in parts:
        words = [w for w in part.split() if w not in _NOT_CLASSES]
        if words:
            names.append(" ".join(words))
    return names


def _model(text: str) -> ModelMention | None:
    if match := _MODEL_ID.search(text):
        return ModelMention(id=int(match.group("id")))
    if match := _REFERENCE.search(text):
        return ModelMention(reference=match.group("reference"))
    if _SAM3.search(text):
        return ModelMention(sam3=True)
    if _OPEN_VOCABULARY.search(text):
        return ModelMention(open_vocabulary=True)
    if _SAM.search(text):
        return ModelMention(segment_anything=True)
    for pattern in (_SWAP_TO, _NAMED_MODEL):
        for match in pattern.finditer(text):
            words = tuple(w for w in match.group("name").split() if w not in _MODEL_FILLER)
            if words:
                return ModelMention(words=words)
    return None


def _thresholds(clause: str) -> list[Threshold]:
    found = []
    for match in _COMPARISON.finditer(clause):
        value = float(match.group("number"))
        direction: Direction = "min" if re.fullmatch(_MIN, match.group("direction")) else "max"
        confidence = match.group("percent") or _CONFIDENCE.search(clause) or (value <= 1 and not _AREA.search(clause))
        if confidence:
            found.append(Threshold("confidence", direction, value / 100 if value > 1 else value))
        else:
            found.append(Threshold("area", direction, value))
    return found


def _drawings(clause: str) -> list[Visualization]:
    return [kind for kind in VISUALIZATIONS if _KIND_WORDS[kind].search(clause)]


def _read_clause(clause: str, intents: Intents) -> None:
    negated = bool(_NEGATION.search(clause))
    instead_of = re.search(r"\binstead of\b(?P<old>.*)", clause)
    if instead_of:
        intents.remove.update(_drawings(instead_of.group("old")))
        clause = clause[: instead_of.start()]
    drawing = _DRAW.search(clause) is not None or (negated and bool(_drawings(clause)))
    if negated:
        intents.remove.update(_drawings(clause) if drawing else [])
        if _COUNT.search(clause):
            intents.remove.add("count")
        if _CROP.search(clause):
            intents.remove.add("crop")
        if re.search(r"\bfilters?\b", clause):
            matched = {p for p in ("confidence", "area", "classes") if re.search(p.rstrip("es"), clause)}
            intents.remove.update(matched or {"filter"})
        return
    if drawing:
        intents.draw += [kind for kind in (_drawings(clause) or ["mask"]) if kind not in intents.draw]
        intents.replace_drawings |= instead_of is None and re.search(r"\binstead\b", clause) is not None
    if _COUNT.search(clause):
        intents.count = True
    if _CROP.search(clause):
        intents.crop = True
    thresholds = _thresholds(clause)
    intents.thresholds += thresholds
    if not thresholds and not _MEASURES.search(clause.split(" only ")[-1]) and (only := _ONLY.search(clause)):
        intents.only_classes += _names(only.group("what"))
    if (target := _TARGET.search(clause)) and not _SAM.match(clause, target.start()):
        named = _names(target.group("what"))
        intents.targets += [
            name
            for name in named
            if not _MODEL_ID.search(name)
            and not _SAM.search(name)
            and not _SAM3.search(name)
            and not _OPEN_VOCABULARY.search(name)
        ]


def read_request(text: str) -> Intents:
    """The intents in ``text`` (lower-cased and cut into clauses first)."""
    lowered = " ".join(text.lower().split())
    intents = Intents(fresh=bool(_FRESH.search(lowered)), model=_model(lowered))
    for clause in _CLAUSES.split(lowered):
        if clause and clause.strip():
            _read_clause(clause.strip(), intents)
    return intents
