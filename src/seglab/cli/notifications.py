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
    secret: Annotated[
        str | None, typer.Option(help="Sign the webhook's requests with this secret (X-Seglab-Signature-256).")
    ] = None,
    clear: Annotated[bool, typer.Option("--clear", help="Announce nothing any more.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Show, or with --webhook/--email set, where the project's finished training, version, evaluation and Rapid
    jobs are announced (emails need SEGLAB_SMTP_HOST)."""
    with workspace(as_json) as ws:
        targets = notifications.notification_targets(ws, project)
        if clear or webhook is not None or email or secret is not None:
            targets = notifications.set_notification_targets(
                ws,
                project,
                webhook_url=None if clear else webhook if webhook is not None else targets.webhook_url,
                emails=[] if clear else email or targets.emails,
                signing_secret="" if clear else secret,
            )
        smtp = ws.settings.smtp_host
    if as_json:
        print_json(
            {"webhook_url": targets.webhook_url, "emails": targets.emails, "signed": bool(targets.signing_secret)}
        )
        return
    signed = " (signed)" if targets.signing_secret else ""
    typer.echo(f"webhook: {targets.webhook_url or 'none'}{signed}")
    typer.echo(
        f"emails: {', '.join(targets.emails) or 'none'}" + ("" if smtp else " (SEGLAB_SMTP_HOST unset: none sent)")
    )
