"""Package namespaces that import their modules on first use (PEP 562), not with the package.

``seglab.services``, ``seglab.store``, ``seglab.core`` and ``seglab.jobs`` offer many names from many modules; importing
them all with the package would load NumPy, OpenCV, Shapely and most of seglab wherever any one is needed (every
command, and ``seglab serve`` before it answers ``/healthz``). Each such package lists its names with the module
each comes from, imports them under ``TYPE_CHECKING`` for the type checker, and defines
``def __getattr__(name): return lazy_attribute(__name__, _EXPORTS, name)``.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Mapping
from typing import Any


def lazy_attribute(package: str, exports: Mapping[str, str], name: str) -> Any:
    """``name`` from the module ``exports`` gives for it (the module itself when it is the package's submodule
    ``name``); ``AttributeError`` for a name the package does not offer, as for any module."""
    if name not in exports:
        raise AttributeError(f"module {package!r} has no attribute {name!r}")
    module = importlib.import_module(exports[name])
    value = module if exports[name] == f"{package}.{name}" else getattr(module, name)
    setattr(sys.modules[package], name, value)  # found directly from now on
    return value
