"""seglab: self-hosted instance segmentation (annotate, version, train, evaluate, deploy).

``import seglab`` is instant: the Python API (:func:`load_model`, :class:`Project`) and everything under it
(NumPy, SQLAlchemy, ONNX Runtime; PyTorch only when training or predicting with it) load on first use, through
the module ``__getattr__`` of PEP 562, as httpx and ultralytics do.
"""

from __future__ import annotations

import typing

from seglab._version import __version__

if typing.TYPE_CHECKING:
    from seglab.facade import InferencePipeline, Model, Project, load_model

__all__ = ["InferencePipeline", "Model", "Project", "__version__", "load_model"]

_LAZY = {
    "InferencePipeline": "seglab.facade",
    "Model": "seglab.facade",
    "Project": "seglab.facade",
    "load_model": "seglab.facade",
}


def __getattr__(name: str) -> typing.Any:
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'seglab' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
