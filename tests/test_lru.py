"""The byte-budget LRU behind the embedding, thumbnail and loaded-model caches."""

from __future__ import annotations

from seglab.lru import SizedLru


def test_the_budget_holds_and_the_least_recently_used_go_first():
    evicted: list[str] = []
    lru: SizedLru[str, int] = SizedLru(100, lambda key, _: evicted.append(key))
    for index in range(10):
        lru.put(f"k{index}", index, 30)
        assert lru.total_bytes <= 100
    assert lru.keys() == ["k7", "k8", "k9"]
    assert evicted == [f"k{index}" for index in range(7)]
    assert lru.get("k7") == 7  # now the most recently used
    lru.put("k10", 10, 30)
    assert lru.keys() == ["k9", "k7", "k10"]


def test_an_entry_larger_than_the_budget_is_kept_alone():
    lru: SizedLru[str, None] = SizedLru(10)
    lru.put("small", None, 5)
    lru.put("huge", None, 50)
    assert lru.keys() == ["huge"]
    assert lru.total_bytes == 50
    assert lru.pop("huge") is None
    assert len(lru) == 0
    assert lru.total_bytes == 0


def test_putting_a_key_again_replaces_its_size():
    lru: SizedLru[str, int] = SizedLru(100)
    lru.put("a", 1, 60)
    lru.put("a", 2, 10)
    assert lru.total_bytes == 10
    assert lru.get("a") == 2
