"""``seglab workflow run|validate|save|list|show|delete``: Roboflow-style workflow definitions from the command line."""

from __future__ import annotations

import base64
import contextlib
import json
from pathlib import Path
from typing import Annotated, Any

import typer

from seglab.cli._common import JsonOption, fail_with, print_json, workspace
from seglab.errors import InvalidInputError
from seglab.services import workflows
from seglab.workflows import WorkflowError

workflow_app = typer.Typer(help="Run, check and save workflow definitions (Roboflow's JSON).", no_args_is_help=True)

SpecArgument = Annotated[str, typer.Argument(help="A definition file (JSON) or the name of a saved workflow.")]


def _definition(spec: str) -> Any:
    """A definition from a JSON file, or ``None`` when ``spec`` is not a file (then it names a saved workflow)."""
    path = Path(spec)
    if not path.is_file():
        return None
    try:
        return json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise InvalidInputError(f"{path} is not a JSON workflow definition ({error})") from None


def _parameters(pairs: list[str]) -> dict[str, Any]:
    """``k=v`` pairs; values are read as JSON when they parse (numbers, lists, true), else kept as text."""
    values: dict[str, Any] = {}
    for pair in pairs:
        key, separator, text = pair.partition("=")
        if not separator or not key:
            raise InvalidInputError(f"--param takes name=value, got {pair!r}")
        try:
            values[key] = json.loads(text)
        except json.JSONDecodeError:
            values[key] = text
    return values


def _write_images(value: Any, folder: Path, stem: str, written: list[Path]) -> Any:
    """``value`` with each image written as a JPEG file under ``folder`` and replaced by the file's name."""
    if isinstance(value, dict) and value.get("type") == "base64" and isinstance(value.get("value"), str):
        target = folder / f"{stem}.jpg"
        target.write_bytes(base64.b64decode(value["value"]))
        written.append(target)
        return {"type": "file", "path": target.name}
    if isinstance(value, dict):
        return {key: _write_images(item, folder, f"{stem}-{key}", written) for key, item in value.items()}
    if isinstance(value, list):
        return [_write_images(item, folder, f"{stem}-{index}", written) for index, item in enumerate(value)]
    return value


def _summarise_images(value: Any) -> Any:
    if isinstance(value, dict) and value.get("type") == "base64":
        return {"type": "image", "bytes": len(value.get("value", "")) * 3 // 4, "hint": "use --out DIR to save it"}
    if isinstance(value, dict):
        return {key: _summarise_images(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_summarise_images(item) for item in value]
    return value


def run(
    spec: SpecArgument,
    image: Annotated[list[Path] | None, typer.Option("--image", help="An image; repeat for a batch.")] = None,
    video: Annotated[
        Path | None, typer.Option("--video", help="A video file: the workflow runs on each frame, in order.")
    ] = None,
    param: Annotated[list[str] | None, typer.Option("--param", help="A parameter as name=value; repeatable.")] = None,
    image_input: Annotated[str | None, typer.Option(help="The image input's name (default: the first one).")] = None,
    out: Annotated[
        Path | None, typer.Option(help="Write outputs.json and output images (.jpg) in this folder.")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Run a workflow on images (outputs as JSON; images as JPEG files with --out), or on a video's frames (a JSON
    line per frame; with --out, outputs.jsonl and a video per image output)."""
    if (video is None) == (not image):
        fail_with(InvalidInputError("give the workflow images (--image) or one video (--video), not both"), as_json)
    if video is not None:
        _run_on_video(spec, video, _parameters(param or []), image_input, out, as_json)
        return
    image = image or []
    with workspace(as_json) as ws:
        try:
            definition = _definition(spec)
            compiled = workflows.validate_definition(
                definition if definition is not None else workflows.get_workflow(ws, spec).spec
            )
            names = compiled.image_inputs
            if not names:
                raise InvalidInputError("this workflow has no image input")
            inputs: dict[str, Any] = {**_parameters(param or []), image_input or names[0]: list(image)}
            result = workflows.run_definition(ws, compiled.definition, inputs, workflows.local_environment(ws))
            outputs = result.to_json()
        except WorkflowError as error:
            fail_with(error, as_json, text=error.describe())
    if out is None:
        typer.echo(json.dumps(_summarise_images(outputs), indent=2))
        return
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    files = [
        {name: _write_images(value, out, f"{index}-{name}", written) for name, value in answer.items()}
        for index, answer in enumerate(outputs)
    ]
    (out / "outputs.json").write_text(json.dumps(files, indent=2))
    if as_json:
        print_json({"outputs": str(out / "outputs.json"), "images": [str(p) for p in written]})
    else:
        typer.echo(f"{len(outputs)} images: outputs in {out / 'outputs.json'}, {len(written)} output images in {out}")


def _run_on_video(
    spec: str, video: Path, parameters: dict[str, Any], image_input: str | None, out: Path | None, as_json: bool
) -> None:
    """``workflow run --video``: frame after frame through one environment (trackers and counters keep state)."""
    import numpy as np

    from seglab.workflows.values import WorkflowImage

    writers: dict[str, Any] = {}
    lines = 0
    with workspace(as_json) as ws, contextlib.ExitStack() as stack:
        if out is not None:
            out.mkdir(parents=True, exist_ok=True)
            jsonl = stack.enter_context((out / "outputs.jsonl").open("w"))
        definition = _definition(spec)
        try:
            frames = workflows.run_video(
                ws,
                definition if definition is not None else spec,
                video,
                workflows.local_environment(ws),
                parameters,
                image_input=image_input,
            )
            for frame, outputs in frames:
                answer = workflows.outputs_json([outputs])[0]
                line = {"frame": frame.index, "seconds": round(frame.seconds, 4), **_summarise_images(answer)}
                if out is None:
                    typer.echo(json.dumps(line))
                    continue
                for name, value in outputs.items():
                    if isinstance(value, WorkflowImage):
                        if name not in writers:
                            import supervision as sv

                            info = sv.VideoInfo(value.width, value.height, round(frame.fps or 30))
                            writers[name] = stack.enter_context(sv.VideoSink(str(out / f"{name}.mp4"), info))
                        writers[name].write_frame(np.ascontiguousarray(value.pixels[:, :, ::-1]))
                        line[name] = {"type": "video_frame", "path": f"{name}.mp4", "frame": frame.index}
                jsonl.write(json.dumps(line) + "\n")
                lines += 1
        except WorkflowError as error:
            fail_with(error, as_json, text=error.describe())
    if out is None:
        return
    videos = [str(out / f"{name}.mp4") for name in writers]
    if as_json:
        print_json({"frames": lines, "outputs": str(out / "outputs.jsonl"), "videos": videos})
    else:
        typer.echo(f"{lines} frames: outputs in {out / 'outputs.jsonl'}, {len(videos)} output videos in {out}")


def validate(spec: SpecArgument, as_json: JsonOption = False) -> None:
    """Check a definition: unknown blocks, bad selectors, missing fields, wrong kinds, cycles."""
    with workspace(as_json) as ws:
        definition = _definition(spec)
        try:
            compiled = workflows.validate_definition(
                definition if definition is not None else workflows.get_workflow(ws, spec).spec
            )
        except WorkflowError as error:
            if as_json:
                typer.echo(json.dumps({"valid": False, **error.roboflow_body()}, indent=2))
            else:
                typer.echo(error.describe(), err=True)
            raise typer.Exit(code=1) from None
    outputs = [o.name for o in compiled.outputs]
    if as_json:
        print_json({"valid": True, "steps": list(compiled.steps), "outputs": outputs, "warnings": compiled.warnings})
    else:
        typer.echo(f"valid: {len(compiled.steps)} steps, outputs {', '.join(outputs)}")
        for warning in compiled.warnings:
            typer.echo(f"warning: {warning}", err=True)


def save(
    name: Annotated[str, typer.Argument(help="The name to save it under (runs as /{workspace}/workflows/NAME).")],
    spec: Annotated[Path, typer.Argument(help="A definition file (JSON).")],
    as_json: JsonOption = False,
) -> None:
    """Validate and save a definition under a name (replacing one of that name)."""
    with workspace(as_json) as ws:
        definition = _definition(str(spec))
        if definition is None:
            raise InvalidInputError(f"{spec} is not a file")
        try:
            saved = workflows.save_workflow(ws, name, definition)
        except WorkflowError as error:
            fail_with(error, as_json, text=error.describe())
    if as_json:
        print_json(saved)
    else:
        typer.echo(f"saved workflow {saved.name!r} (id {saved.id})")


def list_(as_json: JsonOption = False) -> None:
    """Saved workflows."""
    with workspace(as_json) as ws:
        saved = workflows.list_workflows(ws)
    if as_json:
        print_json(
            [
                {"id": s.id, "name": s.name, "updated_at": s.updated_at, "steps": len(s.spec.get("steps", []))}
                for s in saved
            ]
        )
        return
    for item in saved:
        steps = len(item.spec.get("steps", []))
        typer.echo(f"{item.id:>4}  {item.name}  ({steps} steps, updated {item.updated_at:%Y-%m-%d %H:%M})")
    if not saved:
        typer.echo("no saved workflows (`seglab workflow save NAME SPEC` saves one)")


def show(
    name: Annotated[str, typer.Argument(help="A saved workflow's name or id.")], as_json: JsonOption = False
) -> None:
    """Print a saved definition (JSON, with or without ``--json``: the definition is JSON)."""
    with workspace(as_json) as ws:
        typer.echo(json.dumps(workflows.get_workflow(ws, name).spec, indent=2))


def delete(
    name: Annotated[str, typer.Argument(help="A saved workflow's name or id.")], as_json: JsonOption = False
) -> None:
    """Delete a saved workflow."""
    with workspace(as_json) as ws:
        removed = workflows.delete_workflow(ws, name)
    if as_json:
        print_json({"deleted": removed.name})
    else:
        typer.echo(f"deleted workflow {removed.name!r}")


workflow_app.command("run")(run)
workflow_app.command("validate")(validate)
workflow_app.command("save")(save)
workflow_app.command("list")(list_)
workflow_app.command("show")(show)
workflow_app.command("delete")(delete)
