"""Benchmark: finding near-duplicate images among ``--images`` perceptual hashes, seglab's blocked numpy XOR and
popcount (``seglab.services.duplicates.near_pairs``) beside the reference: every pair compared with ``imagehash``'s
own Hamming distance (``hash_a - hash_b``), as one would write it. Both must find the same pairs. Also reports how
long one image takes to fingerprint (decode, pixel digest, pHash) on brain-tumor-coco when it is there.

    .venv/bin/python benchmarks/near_duplicates.py [--images 1500] [--distance 8]
"""

from __future__ import annotations

import argparse
import itertools
import json
import time
from pathlib import Path

import imagehash
import numpy as np

from seglab.services.duplicates import fingerprint, near_pairs

_SHARED = [Path(__file__).resolve().parents[2] / "shared", Path("/work/shared")]  # beside the checkout, or here
BRAIN = next((s for s in _SHARED if s.is_dir()), _SHARED[0]) / "datasets" / "brain-tumor-coco" / "test"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--images", type=int, default=1500)
    parser.add_argument("--distance", type=int, default=8)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    hashes = [int(v) for v in rng.integers(0, 2**63, args.images, dtype=np.int64)]
    for i in range(0, args.images, 50):  # some near copies: a few bits flipped
        hashes[i + 1] = hashes[i] ^ int(rng.integers(0, 2**6))
    start = time.perf_counter()
    found = near_pairs(hashes, args.distance)
    seglab_seconds = time.perf_counter() - start

    wrapped = [imagehash.hex_to_hash(f"{h:016x}") for h in hashes]
    start = time.perf_counter()
    reference = [(i, j) for (i, a), (j, b) in itertools.combinations(enumerate(wrapped), 2) if a - b <= args.distance]
    reference_seconds = time.perf_counter() - start

    result: dict[str, object] = {
        "images": args.images,
        "pairs_compared": args.images * (args.images - 1) // 2,
        "near_pairs": len(found),
        "same_pairs": sorted((i, j) for i, j, _ in found) == sorted(reference),
        "seglab_seconds": round(seglab_seconds, 4),
        "imagehash_pairwise_seconds": round(reference_seconds, 4),
        "speedup": round(reference_seconds / seglab_seconds, 1),
    }
    files = sorted(BRAIN.glob("*.jpg"))[:50]
    if files:
        start = time.perf_counter()
        for path in files:
            fingerprint(path)
        result["fingerprint_ms_per_640px_jpeg"] = round((time.perf_counter() - start) / len(files) * 1000, 2)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
