from collections import Counter

from seglab.core import Split
from seglab.versions import SplitRecipe
from seglab.versions.splits import SplitCandidate, assign_splits


def _candidates(count, categories=lambda i: {i % 4}, split=Split.UNASSIGNED):
    return [SplitCandidate(f"hash{i}", split, frozenset(categories(i))) for i in range(count)]


def test_ratios_are_met_and_deterministic():
    candidates = _candidates(200)
    first = assign_splits(candidates, SplitRecipe(), seed=1)
    assert Counter(first) == {Split.TRAIN: 140, Split.VALID: 40, Split.TEST: 20}
    assert assign_splits(candidates, SplitRecipe(), seed=1) == first
    assert assign_splits(candidates, SplitRecipe(), seed=2) != first


def test_every_class_reaches_every_split():
    candidates = _candidates(100, categories=lambda i: {i % 5})
    splits = assign_splits(candidates, SplitRecipe(ratios=(0.6, 0.2, 0.2)), seed=0)
    per_class = Counter((min(c.categories), s) for c, s in zip(candidates, splits, strict=True))
    for category in range(5):
        assert per_class[(category, Split.TRAIN)] == 12
        assert per_class[(category, Split.VALID)] == 4
        assert per_class[(category, Split.TEST)] == 4


def test_assigned_images_keep_their_split_unless_asked():
    candidates = _candidates(10, split=Split.TEST) + _candidates(10)
    splits = assign_splits(candidates, SplitRecipe(), seed=0)
    assert splits[:10] == [Split.TEST] * 10
    assert Split.UNASSIGNED not in splits
    reassigned = assign_splits(candidates, SplitRecipe(reassign_all=True), seed=0)
    assert Counter(reassigned)[Split.TRAIN] == 14


def test_order_of_images_does_not_change_their_split():
    candidates = _candidates(50)
    forward = dict(zip((c.key for c in candidates), assign_splits(candidates, SplitRecipe(), seed=3), strict=True))
    backward_candidates = list(reversed(candidates))
    backward = dict(
        zip(
            (c.key for c in backward_candidates), assign_splits(backward_candidates, SplitRecipe(), seed=3), strict=True
        )
    )
    assert forward == backward
