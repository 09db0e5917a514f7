"""Assigning images to train/valid/test: deterministic for a seed, stratified by class where possible."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from seglab.core import Split
from seglab.versions.recipe import SplitRecipe

_ORDER = (Split.TRAIN, Split.VALID, Split.TEST)


@dataclass(frozen=True)
class SplitCandidate:
    key: str
    """Stable identity used for ordering (the image's content hash), so the same data splits the same way."""
    split: Split
    categories: frozenset[int]


def assign_splits(candidates: Sequence[SplitCandidate], recipe: SplitRecipe, seed: int) -> list[Split]:
    """The split of each candidate, in order. Assigned images keep theirs unless ``reassign_all``.

    Unassigned images are grouped by their rarest class (images without annotations form their own
    group) and each group is divided by the ratios, so every class reaches every split when it can.
    """
    ratio = dict(zip(_ORDER, recipe.ratios, strict=True))
    frequency = Counter(category for c in candidates for category in c.categories)
    groups: dict[int | None, list[int]] = {}
    result = [c.split for c in candidates]
    for index, candidate in enumerate(candidates):
        if candidate.split is not Split.UNASSIGNED and not recipe.reassign_all:
            continue
        rarest = min(candidate.categories, key=lambda c: (frequency[c], c)) if candidate.categories else None
        groups.setdefault(rarest, []).append(index)
    assigned_overall = dict.fromkeys(_ORDER, 0)
    for _, members in sorted(groups.items(), key=lambda item: (item[0] is None, item[0] or 0)):
        members.sort(key=lambda i: hashlib.sha256(f"{seed}:{candidates[i].key}".encode()).hexdigest())
        assigned_here = dict.fromkeys(_ORDER, 0)
        for done, index in enumerate(members):
            # the split furthest behind its ratio, within the class group and overall
            total = sum(assigned_overall.values())
            split = max(
                _ORDER,
                key=lambda s: (
                    ratio[s] * (done + 1) - assigned_here[s] + ratio[s] * (total + 1) - assigned_overall[s],
                    ratio[s],
                ),
            )
            result[index] = split
            assigned_here[split] += 1
            assigned_overall[split] += 1
    return result
