"""The workflow agent: plain-language requests ("segment cars with my model, draw the masks") become workflow
definitions the compiler accepts, with each step explained; follow-ups edit the current definition.

Two engines behind one protocol (:class:`Planner`): a chat model behind any OpenAI-compatible endpoint
(:class:`ChatPlanner`, the compiler's errors sent back for repair) and built-in rules that need no network
(:class:`OfflinePlanner`). Both describe and wire blocks from the block registry's own manifests.

Its names load on first use (see :mod:`seglab.lazy`): the request reader (:mod:`seglab.agent.intents`) and the plan
types load without the block catalogue, which imports every workflow block and the assist models behind them.
"""

import typing

from seglab.lazy import lazy_attribute

if typing.TYPE_CHECKING:
    from seglab.agent.catalogue import (
        BlockDescription,
        FieldDescription,
        catalogue_text,
        describe_block,
        describe_blocks,
    )
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

_EXPORTS = {
    "AgentUnavailableError": "seglab.agent.plan",
    "BlockDescription": "seglab.agent.catalogue",
    "ChatPlanner": "seglab.agent.llm",
    "DefinitionEditor": "seglab.agent.editing",
    "EngineName": "seglab.agent.engines",
    "FieldDescription": "seglab.agent.catalogue",
    "KnownModel": "seglab.agent.plan",
    "OfflinePlanner": "seglab.agent.offline",
    "Plan": "seglab.agent.plan",
    "PlanRequest": "seglab.agent.plan",
    "Planner": "seglab.agent.plan",
    "PlanningError": "seglab.agent.plan",
    "StepExplanation": "seglab.agent.plan",
    "Turn": "seglab.agent.plan",
    "catalogue_text": "seglab.agent.catalogue",
    "chat_url": "seglab.agent.llm",
    "describe_block": "seglab.agent.catalogue",
    "describe_blocks": "seglab.agent.catalogue",
    "planner_for": "seglab.agent.engines",
    "system_prompt": "seglab.agent.llm",
}
"""Each name the package offers, and the module it comes from (imported on first use)."""


def __getattr__(name: str) -> typing.Any:
    return lazy_attribute(__name__, _EXPORTS, name)


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
