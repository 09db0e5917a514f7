"""Plugins: dataset formats, workflow blocks, training backends, assist models and propagators, found through one
mechanism.

A plugin is a module with :data:`hookimpl` functions answering the hooks of :class:`Hooks`, published under the
entry-point group ``seglab`` (``[project.entry-points.seglab] my_plugin = "my_package.plugin"``). seglab's own
built-ins are plugin modules too (:data:`DEFAULT_PLUGINS`), registered with the same manager the same way, as
datasette does. Each built-in module is imported the first time its hook is called, so ``seglab inspect`` does not
import the workflow engine; built-ins are asked first, so a plugin's format is tried after seglab's own.

This module sits low in the layers (beside ``core``): it knows the hooks, not what they answer.
"""

from __future__ import annotations

import importlib
import threading
from typing import Any

import pluggy

PROJECT = "seglab"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


class Hooks:
    """The hooks a plugin may answer; each returns a list (an empty one is fine)."""

    @hookspec
    def seglab_formats(self) -> list[Any]:
        """Dataset formats (:class:`seglab.formats.DatasetFormat`): detection, reader and writer."""
        raise NotImplementedError

    @hookspec
    def seglab_workflow_blocks(self) -> list[Any]:
        """Workflow block classes (subclasses of :class:`seglab.workflows.Block`)."""
        raise NotImplementedError

    @hookspec
    def seglab_training_backends(self) -> list[Any]:
        """Training backends (:class:`seglab.training.TrainingBackend`), each naming the models it trains."""
        raise NotImplementedError

    @hookspec
    def seglab_assist_models(self) -> list[Any]:
        """Smart Polygon's promptable models (:class:`seglab.assist.AssistModel`)."""
        raise NotImplementedError

    @hookspec
    def seglab_propagators(self) -> list[Any]:
        """Video propagators (:class:`seglab.assist.propagation.PropagatorModel`): masks through frames."""
        raise NotImplementedError


DEFAULT_PLUGINS: dict[str, tuple[str, ...]] = {
    "seglab_formats": ("seglab.formats.plugin",),
    "seglab_workflow_blocks": ("seglab.workflows.blocks.plugin",),
    "seglab_training_backends": ("seglab.training.plugin",),
    "seglab_assist_models": ("seglab.assist.plugin",),
    "seglab_propagators": ("seglab.assist.plugin",),
}
"""seglab's own plugin modules, by the hook they answer."""

_lock = threading.RLock()
_manager: pluggy.PluginManager | None = None


def plugin_manager() -> pluggy.PluginManager:
    """The process's plugin manager, with the installed plugins (entry-point group ``seglab``) loaded."""
    global _manager
    with _lock:
        if _manager is None:
            manager = pluggy.PluginManager(PROJECT)
            manager.add_hookspecs(Hooks)
            manager.load_setuptools_entrypoints(PROJECT)
            _manager = manager
        return _manager


def hook_results(name: str) -> list[Any]:
    """Everything the plugins (built-ins first) answer to hook ``name``, as one list."""
    manager = plugin_manager()
    with _lock:
        for module_name in DEFAULT_PLUGINS.get(name, ()):
            if manager.get_plugin(module_name) is None:
                manager.register(importlib.import_module(module_name), name=module_name)
    answers: list[list[Any]] = getattr(manager.hook, name)()
    return [item for answer in answers for item in answer]
