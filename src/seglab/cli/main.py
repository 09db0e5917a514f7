"""Entry point of the ``seglab`` command."""

from __future__ import annotations

import copy
import json
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from seglab._version import __version__
from seglab.cli import agent, assist, autolabel, datasets, deploy, projects, training, versions, workflows
from seglab.cli._common import JsonOption
from seglab.services import system_info
from seglab.settings import Settings

app = typer.Typer(
    name="seglab",
    help="Self-hosted instance segmentation: annotate, version, train, evaluate and deploy.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


def _console() -> Console:
    """A console made per call, so width and colour follow the environment at the time of printing."""
    return Console()


def _print_version(value: bool) -> None:
    if value:
        _console().print(f"seglab {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_print_version, is_eager=True, help="Print the version and exit."),
    ] = False,
) -> None:
    """seglab: label, version, train and deploy instance segmentation models on your own machine."""


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Interface to bind (default 127.0.0.1, or SEGLAB_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on (default 8420, or SEGLAB_PORT).")] = None,
) -> None:
    """Start the web app and the HTTP APIs."""
    import uvicorn

    from seglab.server import create_app

    settings = Settings()
    _console().print(f"seglab {__version__}: data in {settings.ensure_home()}")
    uvicorn.run(
        create_app(settings), host=host or settings.host, port=port or settings.port, log_config=_redacting_logs()
    )


def _redacting_logs() -> dict[str, Any]:
    """uvicorn's own logging set-up, with secrets (``api_key=`` in the access log's URLs) redacted by every handler."""
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config.setdefault("filters", {})["redact"] = {"()": "seglab.redact.RedactingFilter"}
    for handler in config["handlers"].values():
        handler.setdefault("filters", []).append("redact")
    return config


@app.command()
def info(as_json: JsonOption = False) -> None:
    """Show the version, where data is kept, and the versions of key libraries."""
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
    _console().print(table)


app.command()(datasets.inspect)
app.command()(datasets.convert)
app.add_typer(projects.project_app, name="project")
app.command("import")(projects.import_)
app.command()(projects.export)
app.command()(projects.upload)
app.command("stats")(projects.stats_)
app.add_typer(versions.version_app, name="version")
app.add_typer(versions.job_app, name="job")
app.command()(versions.worker)
app.command()(training.train)
app.add_typer(training.model_app, name="model")
app.command("eval")(training.eval_)
app.command("export-model")(deploy.export_model)
app.command("predict")(deploy.predict_)
app.command("label-assist")(deploy.label_assist)
app.add_typer(assist.assist_app, name="assist")
app.command("autolabel")(autolabel.autolabel)
app.add_typer(workflows.workflow_app, name="workflow")
app.command("agent")(agent.agent_command)


def main() -> None:
    app()
