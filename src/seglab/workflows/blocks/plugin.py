"""seglab's own workflow blocks, registered as a plugin exactly as a third party registers its blocks."""

from __future__ import annotations

from seglab.plugins import hookimpl
from seglab.workflows.blocks.base import Block
from seglab.workflows.blocks.registry import builtin_blocks


@hookimpl
def seglab_workflow_blocks() -> list[type[Block]]:
    return builtin_blocks()
