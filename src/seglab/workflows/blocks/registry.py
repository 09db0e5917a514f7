"""The block registry: ``type`` names (full and short aliases) to block classes.

A compiler takes a registry; the default one holds the blocks every plugin gives (hook
``seglab_workflow_blocks``), seglab's own included: they are a plugin too (:mod:`.plugin`).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

from seglab.errors import ConflictError
from seglab.plugins import hook_results, plugin_manager
from seglab.workflows.blocks.base import Block


class BlockRegistry:
    def __init__(self, blocks: tuple[type[Block], ...] = ()) -> None:
        self._by_name: dict[str, type[Block]] = {}
        self._blocks: list[type[Block]] = []
        for block in blocks:
            self.register(block)

    def register(self, block: type[Block]) -> type[Block]:
        """Add ``block`` under every name its manifest's ``type`` lists (usable as a class decorator)."""
        names = block.type_names()
        taken = [name for name in names if name in self._by_name and self._by_name[name] is not block]
        if taken:
            raise ConflictError(f"block type names already registered: {', '.join(taken)}")
        for name in names:
            self._by_name[name] = block
        if block not in self._blocks:
            self._blocks.append(block)
        return block

    def copy(self) -> BlockRegistry:
        """A registry of the same blocks that can take more without changing this one."""
        return BlockRegistry(tuple(self._blocks))

    def get(self, name: str) -> type[Block] | None:
        return self._by_name.get(name)

    def __iter__(self) -> Iterator[type[Block]]:
        return iter(self._blocks)

    def names(self) -> list[str]:
        return sorted(self._by_name)


def builtin_blocks() -> list[type[Block]]:
    """seglab's own blocks (what :mod:`.plugin` gives)."""
    from seglab.workflows.blocks.consensus import DetectionsConsensus
    from seglab.workflows.blocks.expressions import CsvFormatter, DetectionsTransformation, Expression
    from seglab.workflows.blocks.flow_control import ContinueIf
    from seglab.workflows.blocks.formatters import PropertyDefinition
    from seglab.workflows.blocks.fusion import DetectionsClassesReplacement, DetectionsStitch, DimensionCollapse
    from seglab.workflows.blocks.models import (
        InstanceSegmentationModel,
        InstanceSegmentationModelV3,
        ObjectDetectionModel,
        ObjectDetectionModelV3,
        OpenVocabularySegmentation,
        SegmentAnything,
        SegmentAnything3,
    )
    from seglab.workflows.blocks.notifications import EmailNotification, LocalFile, Webhook
    from seglab.workflows.blocks.preprocessing import ImagePreprocessing
    from seglab.workflows.blocks.rollup import DetectionsListRollup
    from seglab.workflows.blocks.sinks import DatasetUpload, ProjectUpload
    from seglab.workflows.blocks.slicing import ImageSlicer
    from seglab.workflows.blocks.transformations import DetectionOffset, DetectionsFilter, DynamicCrop
    from seglab.workflows.blocks.video import ByteTracker, LineCounter, TimeInZone
    from seglab.workflows.blocks.visualizations import (
        BoundingBoxVisualization,
        LabelVisualization,
        MaskVisualization,
        PolygonVisualization,
    )
    from seglab.workflows.blocks.vlm import (
        AnthropicClaude,
        GoogleGemini,
        LlamaVision,
        OpenAI,
        OpenAIV1,
        VlmAsClassifier,
        VlmAsDetector,
    )

    return [
        InstanceSegmentationModel,
        InstanceSegmentationModelV3,
        ObjectDetectionModel,
        ObjectDetectionModelV3,
        SegmentAnything,
        OpenVocabularySegmentation,
        SegmentAnything3,
        MaskVisualization,
        PolygonVisualization,
        LabelVisualization,
        BoundingBoxVisualization,
        DetectionsFilter,
        PropertyDefinition,
        DynamicCrop,
        DetectionOffset,
        ContinueIf,
        ProjectUpload,
        DatasetUpload,
        ByteTracker,
        LineCounter,
        TimeInZone,
        ImageSlicer,
        DetectionsStitch,
        DimensionCollapse,
        DetectionsClassesReplacement,
        DetectionsConsensus,
        DetectionsListRollup,
        ImagePreprocessing,
        Expression,
        DetectionsTransformation,
        CsvFormatter,
        EmailNotification,
        Webhook,
        LocalFile,
        OpenAIV1,
        OpenAI,
        AnthropicClaude,
        GoogleGemini,
        LlamaVision,
        VlmAsClassifier,
        VlmAsDetector,
    ]


_default: tuple[frozenset[int], BlockRegistry] | None = None
_default_lock = threading.Lock()


def default_registry() -> BlockRegistry:
    """The blocks every plugin gives (seglab's own first: :mod:`.plugin`), built once per set of plugins.

    The registry is shared by every caller in the process: add a block to a :meth:`BlockRegistry.copy` of it, not
    to it (a block registered here would show in every later listing and compile)."""
    global _default
    manager = plugin_manager()
    with _default_lock:
        plugins = frozenset(id(plugin) for plugin in manager.get_plugins())
        if _default is None or _default[0] != plugins:
            registry = BlockRegistry(tuple(hook_results("seglab_workflow_blocks")))
            _default = (frozenset(id(plugin) for plugin in manager.get_plugins()), registry)
        return _default[1]
