"""``seglab audit``: the audit log (sign-ins, key and role changes, deletions, exports, path imports)."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from seglab.cli._common import JsonOption, print_json, workspace


def audit(
    since: Annotated[
        str | None, typer.Option(help="From this ISO date or time (UTC), or this long ago: 30m, 12h, 7d, 2w.")
    ] = None,
    actor: Annotated[str | None, typer.Option(help="Only what this user (or 'local', the CLI) did.")] = None,
    action: Annotated[
        str | None, typer.Option(help="Only this action (project.delete), or a family of them (project).")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, help="At most this many events, newest first.")] = 1000,
    as_json: JsonOption = False,
) -> None:
    """Show the audit log, newest first."""
    from seglab.services import audit as audit_service

    with workspace(as_json) as ws:
        start = audit_service.parse_since(since) if since else None
        found = audit_service.events(ws, since=start, actor=actor, action=action, limit=limit)
    if as_json:
        print_json(found)
        return
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    table = Table("when (UTC)", "actor", "action", "target", "detail", title=f"{len(found)} audit events")
    for event in found:
        detail = json.dumps(event.detail, separators=(",", ":")) if event.detail else ""
        table.add_row(
            event.at.strftime("%Y-%m-%d %H:%M:%S"),
            escape(event.actor),
            event.action,
            escape(event.target),
            escape(detail),
        )
    Console().print(table)
