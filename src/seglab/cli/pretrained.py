"""``seglab model pretrained``: RF-DETR-Seg's (and YOLO-seg's) published COCO checkpoints, deployed without
training."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from seglab.cli._common import JsonOption, print_json, workspace
from seglab.models.pretrained import PRETRAINED, named_classes
from seglab.services import pretrained
from seglab.store.models import TrainedModel

pretrained_app = typer.Typer(
    help="Pretrained COCO models (RF-DETR-Seg's and YOLO-seg's published checkpoints): deployed as they are, by name.",
    no_args_is_help=True,
)


@pretrained_app.command("add")
def add(
    name: Annotated[str, typer.Argument(help=f"One of {', '.join(PRETRAINED)} (or Roboflow's id for it).")],
    weights: Annotated[
        Path | None,
        typer.Option(help="The checkpoint file, instead of downloading it (offline machines).", exists=True),
    ] = None,
    resolution: Annotated[int | None, typer.Option(help="Input size in pixels (default: the checkpoint's).")] = None,
    as_json: JsonOption = False,
) -> None:
    """Add a pretrained model (downloading its checkpoint once into SEGLAB_HOME/weights, or from --weights); the
    inference API, workflows and the agent then use it by name, with COCO's classes."""
    with workspace(as_json) as ws:
        model = pretrained.add_pretrained(ws, name, weights=weights, resolution=resolution)
    if as_json:
        print_json(model)
        return
    typer.echo(f"model {model.id}: {model.pretrained} ({len(named_classes(model.class_names))} COCO classes)")


@pretrained_app.command("list")
def list_(as_json: JsonOption = False) -> None:
    """Every pretrained model seglab knows, and which this workspace holds (the others are added on first use)."""
    with workspace(as_json) as ws:
        held = pretrained.list_pretrained(ws)
    if as_json:
        print_json(held)
        return
    print_pretrained(held)


def print_pretrained(held: list[TrainedModel]) -> None:
    """The pretrained models as a table apart from trained ones: each name (and Roboflow's id, where it differs),
    and its model id where added."""
    by_name = {m.pretrained: m for m in held}
    table = Table(
        "name", "Roboflow id", "id", "classes", "added", title="pretrained models (COCO)", title_justify="left"
    )
    for entry in PRETRAINED.values():
        found = by_name.get(entry.name)
        alias = entry.roboflow_alias if entry.roboflow_alias != entry.name else ""
        if found is None:
            table.add_row(entry.name, alias, "", "80 COCO", "on first use")
        else:
            classes = f"{len(named_classes(found.class_names))} COCO"
            table.add_row(entry.name, alias, str(found.id), classes, f"{found.created_at:%Y-%m-%d %H:%M}")
    Console().print(table)
