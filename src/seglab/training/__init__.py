"""Training: backends (plugins; RF-DETR-Seg built in) that train a model on a dataset folder, and a run's files.

Training a stored version and storing the model is the use case :func:`seglab.services.training.train`.
"""

from seglab.training.backends import backend_for, training_backends
from seglab.training.run import (
    EpochCallback,
    StepCallback,
    TrainedRun,
    TrainingBackend,
    check_splits,
    last_checkpoint,
    new_run_dir,
)

__all__ = [
    "EpochCallback",
    "StepCallback",
    "TrainedRun",
    "TrainingBackend",
    "backend_for",
    "check_splits",
    "last_checkpoint",
    "new_run_dir",
    "training_backends",
]
