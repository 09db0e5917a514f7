"""``seglab notify P``: where a project's finished jobs are announced."""

from __future__ import annotations

from typing import Annotated

import typer

from seglab.cli._common import JsonOption, print_json, workspace
from seglab.services import notifications


def notify(
    project: Annotated[str, typer.Argument(help="Project name or id.")],
    webhook: Annotated[str | None, typer.Option(help="URL POSTed a JSON notice when a job ends.")] = None,
    email: Annotated[list[str] | None, typer.Option(help="Address emailed when a job ends (repeat for more).")] = None,
    clear: Annotated[bool, typer.Option("--clear", help="Announce nothing any more.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Show, or with --webhook/--email set, where the project's finished training, version, evaluation and Rapid
    jobs are announced (emails need SEGLAB_SMTP_HOST)."""
    with workspace(as_json) as ws:
        targets = notifications.notification_targets(ws, project)
        if clear or webhook is not None or email:
            targets = notifications.set_notification_targets(
                ws,
                project,
                webhook_url=None if clear else webhook if webhook is not None else targets.webhook_url,
                emails=[] if clear else email or targets.emails,
            )
        smtp = ws.settings.smtp_host
    if as_json:
        print_json(targets)
        return
    typer.echo(f"webhook: {targets.webhook_url or 'none'}")
    typer.echo(
        f"emails: {', '.join(targets.emails) or 'none'}" + ("" if smtp else " (SEGLAB_SMTP_HOST unset: none sent)")
    )
