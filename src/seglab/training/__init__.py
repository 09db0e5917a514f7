"""Training: runs of a model backend on a dataset version, with progress and a stored result."""

from seglab.training.run import train_model

__all__ = ["train_model"]
