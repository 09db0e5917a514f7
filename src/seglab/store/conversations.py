"""The workflow agent's conversations, one per workflow name: the messages so far and the current definition."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from seglab.errors import InvalidInputError
from seglab.store._models import AgentConversationRow, utc_now


@dataclass(frozen=True)
class Conversation:
    workflow: str
    definition: dict[str, Any] | None
    """The definition the next request edits (``None``: nothing planned yet)."""
    messages: list[dict[str, Any]]
    """``{"role": "user" | "assistant", "text": ..., ...}`` in order; assistant messages carry the plan."""
    updated_at: datetime


def _conversation(row: AgentConversationRow) -> Conversation:
    return Conversation(row.workflow, row.definition, list(row.messages), row.updated_at)


def _row(session: Session, workflow: str) -> AgentConversationRow | None:
    return session.scalar(select(AgentConversationRow).where(AgentConversationRow.workflow == workflow))


def get_conversation(session: Session, workflow: str) -> Conversation | None:
    row = _row(session, workflow)
    return None if row is None else _conversation(row)


def save_conversation(
    session: Session, workflow: str, definition: dict[str, Any] | None, messages: list[dict[str, Any]]
) -> Conversation:
    """Create the conversation about ``workflow`` or replace its state."""
    workflow = workflow.strip()
    if not workflow or "/" in workflow:
        raise InvalidInputError(f"a workflow name is not empty and has no '/', got {workflow!r}")
    row = _row(session, workflow)
    if row is None:
        row = AgentConversationRow(workflow=workflow, definition=definition, messages=messages)
        session.add(row)
    else:
        row.definition, row.messages, row.updated_at = definition, messages, utc_now()
    session.flush()
    return _conversation(row)


def delete_conversation(session: Session, workflow: str) -> bool:
    """Forget the conversation about ``workflow``; whether there was one."""
    row = _row(session, workflow)
    if row is not None:
        session.delete(row)
    return row is not None
