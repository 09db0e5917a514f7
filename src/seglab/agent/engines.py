"""Choosing the engine from the settings: the chat endpoint when one is configured (or asked for), else the rules."""

from __future__ import annotations

from typing import Literal

from seglab.agent.llm import ChatPlanner
from seglab.agent.offline import OfflinePlanner
from seglab.agent.plan import Planner, PlanningError
from seglab.settings import Settings
from seglab.workflows import BlockRegistry

EngineName = Literal["auto", "offline", "llm"]


def planner_for(settings: Settings, engine: EngineName | None = None, registry: BlockRegistry | None = None) -> Planner:
    """``engine`` (default ``SEGLAB_AGENT_ENGINE``): ``auto`` is the chat endpoint when ``SEGLAB_AGENT_URL`` is set."""
    chosen = engine or settings.agent_engine
    if chosen == "offline" or (chosen == "auto" and not settings.agent_url):
        return OfflinePlanner(registry)
    if not settings.agent_url:
        raise PlanningError("the chat engine needs SEGLAB_AGENT_URL (an OpenAI-compatible endpoint, e.g. .../v1)")
    if not settings.agent_model:
        raise PlanningError("the chat engine needs SEGLAB_AGENT_MODEL (the model name the endpoint serves)")
    key = settings.agent_key.get_secret_value() if settings.agent_key else None
    return ChatPlanner(settings.agent_url, settings.agent_model, key, registry=registry)
