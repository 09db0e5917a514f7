"""The workflow agent: plain-language requests ("segment cars with my model, draw the masks") become workflow
definitions the compiler accepts, with each step explained; follow-ups edit the current definition.

Two engines behind one protocol (:class:`Planner`): a chat model behind any OpenAI-compatible endpoint
(:class:`ChatPlanner`, the compiler's errors sent back for repair) and built-in rules that need no network
(:class:`OfflinePlanner`). Both describe and wire blocks from the block registry's own manifests.
"""

from seglab.agent.catalogue import BlockDescription, FieldDescription, catalogue_text, describe_block, describe_blocks
from seglab.agent.editing import DefinitionEditor
from seglab.agent.engines import EngineName, planner_for
from seglab.agent.llm import ChatPlanner, chat_url, system_prompt
from seglab.agent.offline import OfflinePlanner
from seglab.agent.plan import (
    AgentUnavailableError,
    KnownModel,
    Plan,
    Planner,
    PlanningError,
    PlanRequest,
    StepExplanation,
    Turn,
)

__all__ = [
    "AgentUnavailableError",
    "BlockDescription",
    "ChatPlanner",
    "DefinitionEditor",
    "EngineName",
    "FieldDescription",
    "KnownModel",
    "OfflinePlanner",
    "Plan",
    "PlanRequest",
    "Planner",
    "PlanningError",
    "StepExplanation",
    "Turn",
    "catalogue_text",
    "chat_url",
    "describe_block",
    "describe_blocks",
    "planner_for",
    "system_prompt",
]
