"""Workflow blocks: one module per family, each block a small class registered the same way."""

from seglab.workflows.blocks.base import Accepts, Block, Selector, StepContext, StepManifest
from seglab.workflows.blocks.registry import BlockRegistry, default_registry

__all__ = ["Accepts", "Block", "BlockRegistry", "Selector", "StepContext", "StepManifest", "default_registry"]
