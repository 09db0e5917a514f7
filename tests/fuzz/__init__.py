"""Property-based fuzzing (Hypothesis) of the dataset readers and the geometry.

``make test`` runs a bounded number of examples per property (:data:`FUZZ`, ``SEGLAB_FUZZ_EXAMPLES``, default 25);
``benchmarks/fuzz_readers.py`` runs the same properties with many more.
"""

from __future__ import annotations

import os
from collections import Counter

from hypothesis import HealthCheck, Phase, settings

EXAMPLES = Counter[str]()
"""Examples run per property in this process (``benchmarks/fuzz_readers.py`` reports them)."""

FUZZ = settings(
    max_examples=int(os.environ.get("SEGLAB_FUZZ_EXAMPLES", "25")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
    database=None,
    derandomize=os.environ.get("SEGLAB_FUZZ_SEED") is None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],  # no shrinking: minutes on these inputs; the failing
    # example is shown as drawn
)
"""The fuzzing profile: a small, reproducible run in ``make test`` (derandomized: the same examples each time);
``SEGLAB_FUZZ_SEED`` set (the benchmark) draws new ones."""
