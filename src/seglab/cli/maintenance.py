"""``seglab gc`` and ``seglab doctor``: reclaiming unreferenced blobs, and checking the database against the store."""

from __future__ import annotations

from typing import Annotated

import typer

from seglab.cli._common import JsonOption, print_json, workspace


def _size(count: int) -> str:
    value = float(count)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{count} B"


def gc(
    apply: Annotated[
        bool, typer.Option("--apply", help="Delete them (without it: only list what would be freed).")
    ] = False,
    grace: Annotated[
        float | None,
        typer.Option(help="Minutes a newly stored blob is kept though unreferenced (default SEGLAB_GC_GRACE_MINUTES)."),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Free the blobs no image, version, model or export refers to (a dry run unless --apply)."""
    from seglab.services.blob_gc import collect_garbage

    with workspace(as_json) as ws:
        report = collect_garbage(ws, apply=apply, grace_minutes=grace)
    if as_json:
        print_json(report.to_json())
        return
    verb = "freed" if apply else "would free"
    for blob in report.collected:
        typer.echo(f"{blob.digest}  {_size(blob.size)}")
    typer.echo(
        f"{verb} {len(report.collected)} of {report.blobs} blobs ({_size(report.freed_bytes)}); "
        f"{report.referenced} referenced, {report.recent} unreferenced but too recent to collect"
        + ("" if apply or not report.collected else "; run with --apply to delete them")
    )


def doctor(
    repair: Annotated[
        bool, typer.Option("--repair", help="Delete leftover temporary files and mark stuck jobs interrupted.")
    ] = False,
    quick: Annotated[
        bool, typer.Option("--quick", help="Do not hash every blob (missing ones are still found).")
    ] = False,
    min_age: Annotated[
        float, typer.Option(help="Temporary files younger than this many seconds may be writes under way: left alone.")
    ] = 300.0,
    as_json: JsonOption = False,
) -> None:
    """Check the database against the blob store and what a crash may leave (exit status 1 while problems remain)."""
    from seglab.services.doctor import diagnose

    with workspace(as_json) as ws:
        report = diagnose(ws, repair=repair, verify=not quick, min_age=min_age)
    if as_json:
        print_json(report.to_json())
    else:
        checked = ", ".join(f"{count} {what}" for what, count in report.checked.items())
        typer.echo(f"checked {checked}")
        for finding in report.findings:
            state = "repaired" if finding.repaired else finding.severity
            typer.echo(f"[{state}] {finding.check}: {finding.message}")
            if not finding.repaired and finding.remedy:
                typer.echo(f"    {finding.remedy}")
        typer.echo("clean" if report.clean else "problems remain")
    if not report.clean:
        raise typer.Exit(code=1)
