"""What ``seglab serve`` decides before it listens: whether it may start without accounts, and what to warn about."""

from __future__ import annotations

import typer

from seglab.services import accounts
from seglab.settings import Settings
from seglab.store import Workspace

CREATE_ADMIN = "seglab user create admin --admin"


def check_mode(settings: Settings) -> None:
    """Refuse to serve a non-loopback address without accounts (unless ``--insecure-no-auth``); say which mode
    the server starts in, loudly when it is insecure."""
    from seglab.server.auth import is_loopback, is_wildcard

    ws = Workspace(settings)
    try:
        has_users = accounts.has_users(ws)
    finally:
        ws.close()
    loopback = is_loopback(settings.host)
    if has_users:
        typer.echo("accounts: on (sign-in required; API keys for scripts)")
    elif loopback:
        typer.echo("accounts: none, single-user mode on loopback (no sign-in)")
    elif settings.insecure_no_auth:
        typer.secho(
            f"WARNING: serving {settings.host} WITHOUT AUTHENTICATION (--insecure-no-auth): anyone who can reach "
            f"port {settings.port} can read, change and delete everything. Create an admin instead: {CREATE_ADMIN}",
            err=True,
            fg=typer.colors.RED,
            bold=True,
        )
    else:
        typer.echo(
            f"error: refusing to serve {settings.host} without accounts: anyone reaching the port could do anything.\\n"
            f"Create an admin first:\\n\\n    {CREATE_ADMIN}\\n\\n"
            "then start again (or serve 127.0.0.1, or pass --insecure-no-auth if you really mean it).",
            err=True,
        )
        raise typer.Exit(code=1)
    if is_wildcard(settings.host) and not settings.allowed_hosts:
        typer.secho(
            f"WARNING: bound to {settings.host} without SEGLAB_ALLOWED_HOSTS: any Host header is accepted. Set "
            "SEGLAB_ALLOWED_HOSTS to the names clients use (e.g. seglab.example.com) against DNS rebinding.",
            err=True,
            fg=typer.colors.YELLOW,
        )
