"""Model backends (``rfdetr`` first), the architecture catalogue and pretrained weights."""

from seglab.models.catalog import ARCHITECTURES, Architecture, architecture
from seglab.models.rfdetr_backend import Predictor, TrainOutcome, TrainSettings, read_metrics
from seglab.models.weights import WeightsUnavailableError, download, published_weights, resolve_weights

__all__ = [
    "ARCHITECTURES",
    "Architecture",
    "Predictor",
    "TrainOutcome",
    "TrainSettings",
    "WeightsUnavailableError",
    "architecture",
    "download",
    "published_weights",
    "read_metrics",
    "resolve_weights",
]
