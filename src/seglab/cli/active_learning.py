"""``seglab next P --model M``: the unlabelled images to label next (active learning)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from seglab.cli._common import JsonOption, print_json, progress_bar, workspace
from seglab.models.registry import Backend
from seglab.services import active_learning
from seglab.services.accounts import LOCAL_ADMIN


def next_(
    project: Annotated[str, typer.Argument(help="Project name or id.")],
    model: Annotated[int, typer.Option(help="The model whose uncertainty ranks the images (its id).")],
    count: Annotated[int, typer.Option(min=1, help="How many images to choose.")] = 50,
    second_model: Annotated[int | None, typer.Option(help="Also rank by disagreement with this model.")] = None,
    diversity: Annotated[bool, typer.Option(help="Spread the choice over different-looking images.")] = True,
    embedding: Annotated[str, typer.Option(help="auto, resnet18 (weights in torch's cache) or thumbnail.")] = "auto",
    backend: Annotated[Backend, typer.Option(help="How the model runs.")] = Backend.AUTO,
    tag: Annotated[str | None, typer.Option(help="Tag the chosen images.")] = None,
    job: Annotated[str | None, typer.Option(help="Create an annotation job of this name holding them.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Rank the project's unannotated images by the model's uncertainty (low confidence, unstable masks,
    disagreement) and diversity, and choose the next ones to label."""
    with workspace(as_json) as ws, progress_bar("scoring images", not as_json) as progress:
        chosen = active_learning.next_to_label(
            ws,
            project,
            model,
            count=count,
            second_model_id=second_model,
            diversity=diversity,
            embedding=embedding,
            backend=backend,
            tag=tag,
            annotation_job=job,
            caller=LOCAL_ADMIN,
            progress=progress,
        )
    if as_json:
        print_json(chosen)
        return
    table = Table("image", "file", "uncertainty", "low confidence", "unstable", "disagreement", "cluster")
    for r in chosen.ranked:
        disagreement = "-" if r.disagreement is None else f"{r.disagreement:.2f}"
        table.add_row(
            str(r.image_id),
            r.file_name,
            f"{r.uncertainty:.2f}",
            f"{r.low_confidence:.2f}",
            f"{r.instability:.2f}",
            disagreement,
            str(r.cluster),
        )
    console = Console()
    console.print(table)
    console.print(
        f"{len(chosen.ranked)} of {chosen.candidates} unannotated images (embedding: {chosen.embedding}); "
        f"the grid shows them at /projects/{chosen.project}?ids={chosen.grid.get('ids', '')}"
        + (f"; tagged {chosen.tag!r}" if chosen.tag else "")
        + (f"; annotation job {chosen.annotation_job}" if chosen.annotation_job else "")
    )
