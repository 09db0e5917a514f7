"""seglab: self-hosted instance segmentation (annotate, version, train, evaluate, deploy)."""

from seglab._version import __version__

__all__ = ["__version__"]
