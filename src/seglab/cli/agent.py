"""``seglab agent "REQUEST"``: build or edit a workflow from a plain-language request, explained step by step."""

from __future__ import annotations

import difflib
import json
from pathlib import Path
from typing import Annotated, Any

import typer

from seglab.agent import EngineName
from seglab.cli._common import JsonOption, print_json, workspace
from seglab.services import agent, workflows


def definition_diff(before: dict[str, Any] | None, after: dict[str, Any]) -> str:
    """A unified diff of the two definitions as indented JSON (everything added when there was none)."""
    old = json.dumps(before, indent=2).splitlines() if before else []
    new = json.dumps(after, indent=2).splitlines()
    return "\n".join(difflib.unified_diff(old, new, "before", "after", lineterm=""))


def _print_reply(reply: agent.AgentReply) -> None:
    plan = reply.plan
    typer.echo(f"{plan.summary}  [{plan.engine}, workflow {reply.workflow!r}]")
    for note in plan.notes:
        typer.echo(f"  note: {note}")
    marks = {"added": "+", "changed": "~", "unchanged": " "}
    for step in plan.steps:
        typer.echo(f"{marks[step.change]} {step.name} ({step.type}): {step.description}")
        typer.echo(f"    {step.wiring}")
        if step.reason:
            typer.echo(f"    why: {step.reason}")
    for name in plan.removed:
        typer.echo(f"- {name}")
    typer.echo(definition_diff(reply.before, plan.definition))


def agent_command(
    request: Annotated[str, typer.Argument(help='What to build or change, e.g. "segment cars and draw masks".')],
    workflow: Annotated[
        str | None,
        typer.Option(help="The workflow (and conversation) to work on; a saved workflow of this name is the start."),
    ] = None,
    save: Annotated[bool, typer.Option(help="Save the result as the workflow (--workflow, else 'untitled').")] = False,
    new: Annotated[bool, typer.Option(help="Forget the conversation first (start from the saved workflow).")] = False,
    engine: Annotated[
        EngineName | None, typer.Option(help="auto (the chat endpoint when SEGLAB_AGENT_URL is set), offline or llm.")
    ] = None,
    out: Annotated[Path | None, typer.Option(help="Also write the definition (JSON) to this file.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Build or edit a workflow from a plain-language request; follow-ups (same --workflow) edit the last result."""
    with workspace(as_json) as ws:
        if new:
            agent.reset_conversation(ws, workflow)
        reply = agent.plan_request(ws, request, workflow=workflow, engine=engine)
        if save:
            workflows.save_workflow(ws, reply.workflow, reply.plan.definition)
    if out is not None:
        out.write_text(json.dumps(reply.plan.definition, indent=2))
    if as_json:
        print_json({"workflow": reply.workflow, "saved": save, "before": reply.before, **vars(reply.plan)})
        return
    _print_reply(reply)
    if save:
        typer.echo(f"saved as workflow {reply.workflow!r}: seglab workflow run {reply.workflow} --image IMAGE")
