"""Property tests of the geometry (Hypothesis). No per-example deadline: a wall-clock limit on an example fails
on a loaded machine (CI, parallel workers) without saying anything about the code; speed lives in ``benchmarks/``."""

from hypothesis import settings

settings.register_profile("seglab-geometry", deadline=None)
settings.load_profile("seglab-geometry")
