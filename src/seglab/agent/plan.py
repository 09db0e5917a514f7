"""What a planner is given and what it answers, and the one protocol both engines implement.

A planner turns a plain-language request (plus the conversation so far and the current definition) into a
:class:`Plan`: a definition the workflow compiler accepts, a one-line summary, notes on the choices it made
(which model, and why) and an explanation of every step. Engines never store anything: the conversation is
kept by the service layer, which hands each engine the history it needs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from seglab.errors import InvalidInputError, UnavailableError


class PlanningError(InvalidInputError):
    """The request could not be turned into a valid workflow (not understood, or still invalid after repairs)."""

    code = "planning_failed"


class AgentUnavailableError(UnavailableError):
    """The chat endpoint cannot be reached or does not speak the chat-completions protocol."""

    code = "agent_unavailable"


@dataclass(frozen=True)
class KnownModel:
    """A trained (or pretrained) model the planner may put in a workflow: what a request can name it by."""

    id: int
    reference: str
    """``project/version`` (a pretrained model's name): what a workflow's ``model_id`` holds."""
    project: str
    """The project's name (a pretrained model's own name): words of a request may name it."""
    class_names: tuple[str, ...]
    pretrained: bool = False
    """A published COCO checkpoint: used only when no trained model knows what is asked for."""


@dataclass(frozen=True)
class Turn:
    """One message of a conversation, as engines see it (the user's request, or the agent's summary)."""

    role: Literal["user", "assistant"]
    text: str


@dataclass(frozen=True)
class PlanRequest:
    text: str
    current: dict[str, Any] | None = None
    """The definition being edited (``None``: start a new one)."""
    history: tuple[Turn, ...] = ()
    models: tuple[KnownModel, ...] = ()
    last_run: dict[str, Any] | None = None
    """What each step of ``current`` gave when it last ran, by step and output (the web app sends counts per class
    for predictions, values as they are): questions ("why are some cars missing?") are answered from it too."""


ChangeKind = Literal["added", "changed", "unchanged"]


@dataclass(frozen=True)
class StepExplanation:
    """What one step of the planned workflow does, how it is wired, and why it is there."""

    name: str
    type: str
    description: str
    wiring: str
    change: ChangeKind
    reason: str | None = None


@dataclass(frozen=True)
class Plan:
    definition: dict[str, Any]
    """A definition the compiler accepts."""
    summary: str
    engine: str
    notes: list[str] = field(default_factory=list)
    """Choices made on the user's behalf (the model picked, requested classes it does not know, ...)."""
    steps: list[StepExplanation] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    """Steps of the current definition that the plan drops."""
    question: bool = False
    """The request asked about the workflow: ``summary`` answers it, the definition is unchanged."""


class Planner(Protocol):
    """An engine: the built-in rules (:class:`~seglab.agent.offline.OfflinePlanner`) or a chat model
    (:class:`~seglab.agent.llm.ChatPlanner`)."""

    name: str

    def plan(self, request: PlanRequest) -> Plan:
        """Plan ``request``; raises :class:`PlanningError` or :class:`AgentUnavailableError`."""
        ...
