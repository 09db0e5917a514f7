"""Model backends (``rfdetr`` first), the architecture catalogue, pretrained weights, export and inference."""

from seglab.models.catalog import ARCHITECTURES, Architecture, architecture
from seglab.models.engines import Engine, OnnxEngine, TorchEngine, onnx_providers
from seglab.models.export import ExportFailedError, export_onnx
from seglab.models.images import decode_for_model, decode_image
from seglab.models.prediction import Prediction, PredictOptions, RawOutputs, decode
from seglab.models.predictor import Predictor
from seglab.models.rfdetr_backend import TrainOutcome, TrainSettings, read_metrics
from seglab.models.weights import WeightsUnavailableError, download, published_weights, resolve_weights

__all__ = [
    "ARCHITECTURES",
    "Architecture",
    "Engine",
    "ExportFailedError",
    "OnnxEngine",
    "PredictOptions",
    "Prediction",
    "Predictor",
    "RawOutputs",
    "TorchEngine",
    "TrainOutcome",
    "TrainSettings",
    "WeightsUnavailableError",
    "architecture",
    "decode",
    "decode_for_model",
    "decode_image",
    "download",
    "export_onnx",
    "onnx_providers",
    "published_weights",
    "read_metrics",
    "resolve_weights",
]
