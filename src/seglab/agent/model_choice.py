"""Which trained model a request means: by id, by ``project/version``, by words matched against project names
and class names ("my ASL model", "the cars model"), or — when nothing is named — the one whose classes match
what is to be segmented, else a pretrained COCO model that knows those classes ("cars": COCO's ``car``), else the
newest. Trained models come first: a pretrained one is chosen only when no trained model matches. Every choice
comes with the reason, for the explanation."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from seglab.agent.intents import ModelMention
from seglab.agent.plan import KnownModel, PlanningError


@dataclass(frozen=True)
class ModelChoice:
    model: KnownModel
    reason: str


def word_forms(text: str) -> set[str]:
    """Lower-case words of ``text``, singular ("cars" → "car", "boxes" → "box"), for matching names loosely."""
    forms = set()
    for word in re.findall(r"[a-z0-9]+", text.lower()):
        if re.search(r"(?:ss|us|is)$", word) or len(word) <= 3:
            forms.add(word)
        elif re.search(r"(?:s|x|z|ch|sh)es$", word):
            forms.add(word[:-2])
        elif word.endswith("ies"):
            forms.add(word[:-3] + "y")
        else:
            forms.add(word.removesuffix("s"))
    return forms


def matching_classes(names: Iterable[str], model: KnownModel) -> tuple[list[str], list[str]]:
    """The model's class names that ``names`` mean (loosely), and the names it has no class for."""
    matched, unknown = [], []
    for name in names:
        found = [c for c in model.class_names if word_forms(c) == word_forms(name)]
        if found:
            matched += [c for c in found if c not in matched]
        else:
            unknown.append(name)
    return matched, unknown


def _newest(models: Sequence[KnownModel]) -> KnownModel:
    return max(models, key=lambda m: m.id)


def _describe(model: KnownModel) -> str:
    return f"{model.reference} (model {model.id}, classes {', '.join(model.class_names) or 'none'})"


def _listing(models: Sequence[KnownModel]) -> str:
    return "; ".join(_describe(m) for m in models) or "none trained yet"


def _scored(words: Iterable[str], models: Sequence[KnownModel]) -> tuple[int, list[KnownModel]]:
    """The best score (2 per word matching the project's name, 1 per word matching a class) and its models."""
    wanted = set().union(*(word_forms(w) for w in words)) if words else set()
    scores = {}
    for model in models:
        classes = set().union(*(word_forms(c) for c in model.class_names)) if model.class_names else set()
        scores[model.id] = 2 * len(wanted & word_forms(model.project)) + len(wanted & classes)
    best = max(scores.values(), default=0)
    return best, [m for m in models if scores[m.id] == best]


def _trained(models: Sequence[KnownModel]) -> list[KnownModel]:
    return [m for m in models if not m.pretrained]


def pretrained_choice(targets: Sequence[str], models: Sequence[KnownModel]) -> ModelChoice | None:
    """The pretrained model (the newest added) whose classes know what is to be segmented, when no trained model
    does; ``None`` when a trained model matches or no pretrained one does."""
    if not targets or _scored(targets, _trained(models))[0] > 0:
        return None
    best, candidates = _scored(targets, [m for m in models if m.pretrained])
    if best == 0:
        return None
    chosen = _newest(candidates)
    matched, _ = matching_classes(targets, chosen)
    why = f"no trained model knows {', '.join(targets)!r}, so the pretrained COCO model {chosen.reference}"
    return ModelChoice(chosen, f"{why} (model {chosen.id}), which has {', '.join(matched) or 'matching classes'}")


def named_model(mention: ModelMention, models: Sequence[KnownModel]) -> ModelChoice:
    """The model ``mention`` names; :class:`PlanningError` (listing the models there are) when none fits."""
    if mention.id is not None:
        found = next((m for m in models if m.id == mention.id), None)
        if found is None:
            raise PlanningError(f"there is no model {mention.id}; trained models: {_listing(models)}")
        return ModelChoice(found, f"model {mention.id} as asked: {_describe(found)}")
    if mention.reference is not None:
        candidates = [m for m in models if m.reference == mention.reference]
        if not candidates:
            raise PlanningError(f"no model is trained on {mention.reference}; trained models: {_listing(models)}")
        return ModelChoice(_newest(candidates), f"{mention.reference} as asked: {_describe(_newest(candidates))}")
    best, candidates = _scored(mention.words, _trained(models))
    if best == 0:  # a pretrained model only when no trained one matches
        best, candidates = _scored(mention.words, models)
    words = " ".join(mention.words)
    if best == 0:
        raise PlanningError(f"no trained model matches {words!r}; trained models: {_listing(models)}")
    chosen = _newest(candidates)
    how = "its project's name" if word_forms(words) & word_forms(chosen.project) else "its class names"
    others = f" (the newest of {len(candidates)} that match)" if len(candidates) > 1 else ""
    return ModelChoice(chosen, f"{_describe(chosen)}: {how} match {words!r}{others}")


def default_model(targets: Sequence[str], models: Sequence[KnownModel]) -> ModelChoice:
    """No model named: the trained one matching what is to be segmented, else a pretrained one that knows it, else
    the newest trained one."""
    pretrained = pretrained_choice(targets, models)
    if pretrained is not None:
        return pretrained
    models = _trained(models)
    if not models:
        raise PlanningError(
            "there is no trained model to segment with: train one (`seglab train`), or ask for Segment Anything, "
            'or name what to find ("find helmets") for open-vocabulary detection'
        )
    best, candidates = _scored(targets, models)
    if best > 0:
        chosen = _newest(candidates)
        return ModelChoice(chosen, f"{_describe(chosen)}: it matches {', '.join(targets)!r}")
    chosen = _newest(models)
    why = f"none matches {', '.join(targets)!r}, so " if targets else "no model was named, so "
    return ModelChoice(chosen, f"{_describe(chosen)}: {why}the newest model")
