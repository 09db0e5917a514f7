"""Duplicate images: the same pixels stored as different bytes (a re-encoded copy), and near-duplicates (a resized,
recompressed or slightly cropped copy), found by perceptual hashes (``imagehash``'s pHash).

Uploads already store the same *bytes* once per project; what slips through is the same picture saved again, which
inflates a dataset and, split between train and test, leaks the answers into the evaluation.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

from seglab.lru import SizedLru

NEAR_DISTANCE = 8
"""Largest Hamming distance (of 64 bits) between two pHashes counted as the same picture. Measured on
brain-tumor-coco, whose own duplicate MRI slices (re-cropped, shifted by a few pixels) lie at 0 to 8."""


@dataclass(frozen=True)
class Fingerprint:
    pixels: str
    """sha256 of the decoded pixels (EXIF orientation applied) and their shape: equal for a lossless re-encoding."""
    phash: int
    """The 64-bit perceptual hash."""


_FINGERPRINTS: SizedLru[str, Fingerprint] = SizedLru(16 * 2**20)
"""Fingerprints by blob digest: blobs never change, so a second health check decodes no image it already saw."""
_ENTRY_BYTES = 200


def fingerprint(path: Path) -> Fingerprint:
    import imagehash  # with SciPy and PyWavelets: 0.3 s to import, paid by the first health check, not every route

    with Image.open(path) as opened:
        image = ImageOps.exif_transpose(opened).convert("RGB")
    pixels = np.asarray(image)
    digest = hashlib.sha256(f"{pixels.shape}".encode() + pixels.tobytes()).hexdigest()
    return Fingerprint(digest, int(str(imagehash.phash(image)), 16))


def cached_fingerprint(sha256: str, path: Callable[[], Path]) -> Fingerprint:
    """The fingerprint of the blob ``sha256`` (``path`` gives its local file when it must be decoded)."""
    found = _FINGERPRINTS.get(sha256)
    if found is None:
        found = fingerprint(path())
        _FINGERPRINTS.put(sha256, found, _ENTRY_BYTES)
    return found


def exact_groups(fingerprints: Sequence[Fingerprint]) -> list[list[int]]:
    """Indices of ``fingerprints`` with the same pixels, groups of two or more, in first-seen order."""
    by_pixels: dict[str, list[int]] = {}
    for index, found in enumerate(fingerprints):
        by_pixels.setdefault(found.pixels, []).append(index)
    return [group for group in by_pixels.values() if len(group) > 1]


def near_pairs(
    hashes: Sequence[int], max_distance: int = NEAR_DISTANCE, block: int = 2048
) -> list[tuple[int, int, int]]:
    """``(i, j, distance)`` for every pair ``i < j`` whose hashes differ in at most ``max_distance`` bits: XOR and
    popcount over blocks of rows (numpy), so memory stays ``block x n`` whatever the project's size."""
    values = np.asarray(hashes, dtype=np.uint64)
    pairs: list[tuple[int, int, int]] = []
    for start in range(0, len(values), block):
        rows = values[start : start + block]
        distances = np.bitwise_count(rows[:, None] ^ values[None, :])
        for i, j in zip(*np.nonzero(distances <= max_distance), strict=True):
            first = start + int(i)
            if first < int(j):
                pairs.append((first, int(j), int(distances[i, j])))
    return pairs


def connected_groups(size: int, pairs: Sequence[tuple[int, int, int]]) -> list[list[int]]:
    """The groups (two or more members, each sorted) that ``pairs`` join, by union-find."""
    parent = list(range(size))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, j, _ in pairs:
        parent[root(i)] = root(j)
    groups: dict[int, list[int]] = {}
    for i in range(size):
        groups.setdefault(root(i), []).append(i)
    return sorted((g for g in groups.values() if len(g) > 1), key=lambda g: g[0])
