"""The workflow agent for the web app's chat panel: plan a request in a workflow's conversation, read the
conversation back, start it over. A request the planner cannot serve answers 400 (``planning_failed``), an
unreachable chat endpoint 503 (``agent_unavailable``), in the app API's error shape."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from seglab.agent import EngineName
from seglab.server.api._access import requires
from seglab.server.api._deps import WorkspaceDep
from seglab.services import agent

router = APIRouter(prefix="/agent", tags=["agent"])


class PlanBody(BaseModel):
    request: str = Field(min_length=1, description='What to build or change: "segment cars and draw their masks".')
    workflow: str | None = Field(default=None, description="The conversation (a workflow name); default `untitled`.")
    definition: dict[str, Any] | None = Field(
        default=None, description="Start from this definition instead of the conversation's current one."
    )
    engine: EngineName | None = Field(default=None, description="Default: SEGLAB_AGENT_ENGINE.")
    last_run: dict[str, Any] | None = Field(
        default=None,
        description="What each step gave in the last run, by step and output ({count, classes} for predictions): "
        "questions are answered from it too.",
    )


class StepExplanation(BaseModel):
    name: str
    type: str
    description: str
    wiring: str
    change: str
    reason: str | None


class PlanAnswer(BaseModel):
    workflow: str
    engine: str
    summary: str
    notes: list[str]
    steps: list[StepExplanation]
    removed: list[str]
    question: bool = Field(description="The request asked about the workflow: `summary` answers it, nothing changed.")
    before: dict[str, Any] | None
    definition: dict[str, Any]
    messages: int


class ConversationAnswer(BaseModel):
    workflow: str
    definition: dict[str, Any] | None
    messages: list[dict[str, Any]]
    updated_at: datetime


@router.post(
    "",
    response_model=PlanAnswer,
    summary="Plan a request: a new or edited workflow definition, explained",
    dependencies=[requires("workflow.manage")],
)
def plan(body: PlanBody, ws: WorkspaceDep) -> PlanAnswer:
    reply = agent.plan_request(
        ws,
        body.request,
        workflow=body.workflow,
        definition=body.definition,
        engine=body.engine,
        last_run=body.last_run,
    )
    return PlanAnswer(
        workflow=reply.workflow,
        engine=reply.plan.engine,
        summary=reply.plan.summary,
        notes=reply.plan.notes,
        steps=[StepExplanation(**asdict(step)) for step in reply.plan.steps],
        removed=reply.plan.removed,
        question=reply.plan.question,
        before=reply.before,
        definition=reply.plan.definition,
        messages=len(reply.conversation.messages),
    )


@router.get(
    "/conversations/{workflow}",
    response_model=ConversationAnswer,
    summary="A workflow's conversation",
    dependencies=[requires("workflow.read")],
)
def conversation(workflow: str, ws: WorkspaceDep) -> ConversationAnswer:
    found = agent.get_conversation(ws, workflow)
    return ConversationAnswer(
        workflow=found.workflow, definition=found.definition, messages=found.messages, updated_at=found.updated_at
    )


@router.delete(
    "/conversations/{workflow}",
    summary="Start a workflow's conversation over",
    dependencies=[requires("workflow.manage")],
)
def reset(workflow: str, ws: WorkspaceDep) -> dict[str, Any]:
    return {"workflow": workflow, "deleted": agent.reset_conversation(ws, workflow)}
