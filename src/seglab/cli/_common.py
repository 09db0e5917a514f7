"""Pieces every command shares: the ``--json`` option and the one-line failure."""

from __future__ import annotations

import json
from typing import Annotated, NoReturn

import typer

JsonOption = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]


def fail(message: str, as_json: bool) -> NoReturn:
    """Exit with status 1 and a one-line reason (as ``{"error": ...}`` under ``--json``)."""
    if as_json:
        typer.echo(json.dumps({"error": message}))
    else:
        typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code=1)
