"""Entry point of the ``seglab`` command.

Each command's module is imported only when that command runs (or when help lists it): the modules import
seglab's services, and with them NumPy, OpenCV, SQLAlchemy and pydantic models, which ``seglab --version`` and
``seglab serve`` need not wait for. This is click's documented lazy-loading pattern (a group whose
``get_command`` imports on demand), applied to typer's group class.
"""

from __future__ import annotations

import copy
import importlib
import json
import logging
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

import click
import typer
import typer.main
from typer.core import TyperGroup
from typer.models import CommandInfo

from seglab._version import __version__
from seglab.cli._common import JsonOption

_LAZY_COMMANDS: dict[str, str] = {
    "inspect": "seglab.cli.datasets:inspect",
    "convert": "seglab.cli.datasets:convert",
    "project": "seglab.cli.projects:project_app",
    "import": "seglab.cli.projects:import_",
    "export": "seglab.cli.projects:export",
    "upload": "seglab.cli.projects:upload",
    "stats": "seglab.cli.projects:stats_",
    "health": "seglab.cli.health:health_",
    "notify": "seglab.cli.notifications:notify",
    "next": "seglab.cli.active_learning:next_",
    "version": "seglab.cli.versions:version_app",
    "job": "seglab.cli.versions:job_app",
    "worker": "seglab.cli.worker:worker",
    "train": "seglab.cli.training:train",
    "model": "seglab.cli.training:model_app",
    "eval": "seglab.cli.training:eval_",
    "export-model": "seglab.cli.deploy:export_model",
    "predict": "seglab.cli.deploy:predict_",
    "stream": "seglab.cli.streams:stream",
    "label-assist": "seglab.cli.deploy:label_assist",
    "assist": "seglab.cli.assist:assist_app",
    "autolabel": "seglab.cli.autolabel:autolabel",
    "workflow": "seglab.cli.workflows:workflow_app",
    "agent": "seglab.cli.agent:agent_command",
    "review": "seglab.cli.review:review_app",
    "user": "seglab.cli.accounts:user_app",
    "key": "seglab.cli.accounts:key_app",
    "gc": "seglab.cli.maintenance:gc",
    "doctor": "seglab.cli.maintenance:doctor",
    "audit": "seglab.cli.audit:audit",
    "member": "seglab.cli.members:member_app",
}
"""Command name → ``module:attribute``: a typer sub-app (a command group) or a command function."""


def _load(name: str) -> click.Command:
    module, _, attribute = _LAZY_COMMANDS[name].partition(":")
    target = getattr(importlib.import_module(module), attribute)
    if isinstance(target, typer.Typer):
        group = typer.main.get_group(target)
        group.name = name
        return group
    return typer.main.get_command_from_info(
        CommandInfo(name=name, callback=target),
        pretty_exceptions_short=app.pretty_exceptions_short,
        rich_markup_mode=app.rich_markup_mode,
    )


class _LazyGroup(TyperGroup):
    """The root group: its own commands (``serve``, ``info``) plus :data:`_LAZY_COMMANDS`, imported when asked for."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [*super().list_commands(ctx), *(name for name in _LAZY_COMMANDS if name not in self.commands)]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in _LAZY_COMMANDS and cmd_name not in self.commands:
            self.add_command(_load(cmd_name), cmd_name)
        return super().get_command(ctx, cmd_name)


app = typer.Typer(
    name="seglab",
    help="Self-hosted instance segmentation: annotate, version, train, evaluate and deploy.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    cls=_LazyGroup,
)


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"seglab {__version__}")
        raise typer.Exit()


_SERVICES = {"serve", "worker"}
"""Long-running commands: their logs (uvicorn's, the job worker's) are their output, so they stay."""


@contextmanager
def _quiet_libraries() -> Iterator[None]:
    """While a command runs: no warnings (torch.jit's, Lightning's, rfdetr's) and no log records below ERROR,
    whichever library emits them. ``logging.disable`` holds even for loggers that libraries configure as they are
    imported (rf-detr sets its logger to INFO, printing to standard output, which would break ``--json``)."""
    disabled = logging.root.manager.disable
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        logging.disable(logging.WARNING)
        try:
            yield
        finally:
            logging.disable(disabled)


@app.callback()
def _root(
    ctx: typer.Context,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_print_version, is_eager=True, help="Print the version and exit."),
    ] = False,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Show the libraries' warnings and log messages.")
    ] = False,
) -> None:
    """seglab: label, version, train and deploy instance segmentation models on your own machine."""
    if verbose:
        logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    elif ctx.invoked_subcommand not in _SERVICES:
        ctx.with_resource(_quiet_libraries())


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Interface to bind (default 127.0.0.1, or SEGLAB_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on (default 8420, or SEGLAB_PORT).")] = None,
    insecure_no_auth: Annotated[
        bool,
        typer.Option(
            "--insecure-no-auth",
            help="Serve a non-loopback address without accounts: anyone who reaches the port may do anything.",
        ),
    ] = False,
) -> None:
    """Start the web app and the HTTP APIs. On loopback without users: single-user, no sign-in. Anywhere else,
    create an admin first (``seglab user create admin --admin``)."""
    import uvicorn

    from seglab.cli.serving import check_mode
    from seglab.malloc import cap_arenas
    from seglab.server import create_app
    from seglab.settings import Settings

    cap_arenas()  # before the server starts its threads: their memory stays flat under load (seglab.malloc)

    settings = Settings()
    overrides = {"host": host, "port": port, "insecure_no_auth": True if insecure_no_auth else None}
    settings = settings.model_copy(update={k: v for k, v in overrides.items() if v is not None})
    typer.echo(f"seglab {__version__}: data in {settings.ensure_home()}")
    check_mode(settings)
    uvicorn.run(
        create_app(settings, defer_routes=True),  # /healthz answers while the other routes are installed
        host=settings.host,
        port=settings.port,
        log_config=_redacting_logs(),
        proxy_headers=False,  # the app believes X-Forwarded-* only from SEGLAB_TRUSTED_PROXIES
    )


def _redacting_logs() -> dict[str, Any]:
    """uvicorn's own logging set-up, with secrets (``api_key=`` in the access log's URLs) redacted by every handler."""
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config.setdefault("filters", {})["redact"] = {"()": "seglab.redact.RedactingFilter"}
    for handler in config["handlers"].values():
        handler.setdefault("filters", []).append("redact")
    # seglab's own warnings and errors (a 500's traceback) through the same redacting handler, not Python's last resort
    config["loggers"]["seglab"] = {"handlers": ["default"], "level": "WARNING", "propagate": False}
    return config


@app.command()
def info(as_json: JsonOption = False) -> None:
    """Show the version, where data is kept, and the versions of key libraries."""
    from rich.console import Console
    from rich.table import Table

    from seglab.services import system_info
    from seglab.settings import Settings

    details = system_info(Settings())
    if as_json:
        typer.echo(json.dumps(details.model_dump(), indent=2))
        return
    table = Table(show_header=False, box=None)
    table.add_column(style="bold")
    table.add_column(overflow="fold")
    for key in ("version", "uuid", "home", "database_url", "blob_url", "python"):
        table.add_row(key, str(getattr(details, key)))
    for package, package_version in details.packages.items():
        table.add_row(package, package_version or "[dim]not installed[/dim]")
    Console().print(table)


def main() -> None:
    app()
