"""The workflow agent as the server, the command line and the Python API use it: plan a request against this
workspace's trained models, keeping one conversation per workflow name so follow-ups edit what came before.

Where a conversation starts: the definition the caller hands over, else the conversation's current one, else the
saved workflow of that name, else nothing (a new workflow). Planned definitions are kept as the conversation's
state, not saved as workflows: saving stays the caller's explicit step (``services.workflows.save_workflow``).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

from seglab.agent import EngineName, KnownModel, Plan, PlanRequest, Turn, planner_for
from seglab.errors import NotFoundError
from seglab.limits import check_text
from seglab.models.pretrained import named_classes
from seglab.services.pretrained import list_pretrained
from seglab.services.training import all_models
from seglab.services.workflows import get_workflow
from seglab.store import Workspace
from seglab.store import conversations as conversation_store
from seglab.store._models import utc_now
from seglab.store.conversations import Conversation

__all__ = [
    "DEFAULT_WORKFLOW",
    "AgentReply",
    "Conversation",
    "get_conversation",
    "known_models",
    "plan_request",
    "reset_conversation",
]

DEFAULT_WORKFLOW = "untitled"
"""The conversation a request without a workflow name belongs to."""
HISTORY = 20
"""Messages of the conversation handed to the engine (the chat engine sends them to the model)."""


@dataclass(frozen=True)
class AgentReply:
    workflow: str
    plan: Plan
    before: dict[str, Any] | None
    """The definition the request edited (``None``: a new workflow)."""
    conversation: Conversation


def known_models(ws: Workspace) -> list[KnownModel]:
    """Every trained model, then every pretrained one, as the planner sees it: what a request can name it by."""
    trained = [KnownModel(m.id, m.reference, m.project or "", tuple(m.class_names)) for m in all_models(ws)]
    pretrained = [
        KnownModel(m.id, m.reference, m.reference, tuple(named_classes(m.class_names)), pretrained=True)
        for m in list_pretrained(ws)
    ]
    return trained + pretrained


def _starting_definition(ws: Workspace, workflow: str) -> dict[str, Any] | None:
    try:
        return get_workflow(ws, workflow).spec
    except NotFoundError:
        return None


def get_conversation(ws: Workspace, workflow: str | None = None) -> Conversation:
    """The conversation about ``workflow``; an empty one (starting from the saved workflow, if any) when none."""
    name = workflow or DEFAULT_WORKFLOW
    with ws.db.transaction() as session:
        found = conversation_store.get_conversation(session, name)
    return found or Conversation(name, _starting_definition(ws, name), [], utc_now())


def reset_conversation(ws: Workspace, workflow: str | None = None) -> bool:
    """Forget the conversation about ``workflow`` (the saved workflow, if any, stays); whether there was one."""
    with ws.db.transaction() as session:
        return conversation_store.delete_conversation(session, workflow or DEFAULT_WORKFLOW)


def _turns(messages: list[dict[str, Any]]) -> tuple[Turn, ...]:
    return tuple(
        Turn("user" if m.get("role") == "user" else "assistant", str(m.get("text", ""))) for m in messages[-HISTORY:]
    )


def plan_request(
    ws: Workspace,
    request: str,
    *,
    workflow: str | None = None,
    definition: dict[str, Any] | None = None,
    engine: EngineName | None = None,
    last_run: dict[str, Any] | None = None,
) -> AgentReply:
    """Plan ``request`` in the conversation about ``workflow``, starting from ``definition`` when given; the plan
    becomes the conversation's current definition. Raises ``PlanningError`` or ``AgentUnavailableError``, and
    ``TooLargeError`` for a request (or ``last_run``, what each step gave in the last run) above
    ``SEGLAB_MAX_TEXT_CHARS`` (before anything reads it)."""
    check_text(request, ws.settings.max_text_chars, "the request")
    if last_run is not None:
        check_text(json.dumps(last_run), ws.settings.max_text_chars, "the last run's outputs")
    conversation = get_conversation(ws, workflow)
    before = definition if definition is not None else conversation.definition
    planner = planner_for(ws.settings, engine)
    plan = planner.plan(
        PlanRequest(request, before, _turns(conversation.messages), tuple(known_models(ws)), last_run=last_run)
    )
    messages = [
        *conversation.messages,
        {"role": "user", "text": request, "at": utc_now().isoformat()},
        {
            "role": "assistant",
            "text": plan.summary,
            "engine": plan.engine,
            "notes": plan.notes,
            "steps": [asdict(step) for step in plan.steps],
            "removed": plan.removed,
            "question": plan.question,
            "before": before,
            "definition": plan.definition,
            "at": utc_now().isoformat(),
        },
    ]
    with ws.db.transaction() as session:
        saved = conversation_store.save_conversation(session, conversation.workflow, plan.definition, messages)
    return AgentReply(conversation.workflow, plan, before, saved)
