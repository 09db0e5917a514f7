"""``seglab gc``: blobs no row refers to are freed (dry run first), never a referenced or a recent one."""

from __future__ import annotations

import json
import os
import time

from typer.testing import CliRunner

from seglab.cli import app
from seglab.services import images, projects, versions
from seglab.services.blob_gc import collect_garbage

from ..faults.processes import write_images


def _age(ws, seconds: float = 3600) -> None:
    """Make every stored blob look stored ``seconds`` ago (instead of waiting out the grace period)."""
    past = time.time() - seconds
    for blob in ws.blobs.blobs():
        os.utime(ws.blobs.local_path(blob.digest), (past, past))


def test_deleting_a_project_then_collecting_frees_its_blobs(ws, project, tmp_path):
    versions.create_version(ws, project, versions.recipe_from_options(augment="flip", multiplier=2, seed=1))
    shared = write_images(tmp_path / "shared", 1, size=32, seed=7)
    images.upload_paths(ws, project, [shared])
    projects.create_project(ws, "keeper")
    images.upload_paths(ws, "keeper", [shared])  # the same bytes, also in a project that stays
    before = {blob.digest: blob.size for blob in ws.blobs.blobs()}
    _age(ws)
    assert collect_garbage(ws).collected == []  # everything is referenced

    projects.delete_project(ws, project)
    dry = collect_garbage(ws)
    assert dry.collected
    assert {blob.digest for blob in ws.blobs.blobs()} == set(before)  # a dry run deletes nothing
    [kept] = [digest for digest in before if digest not in {blob.digest for blob in dry.collected}]
    applied = collect_garbage(ws, apply=True)
    assert {blob.digest for blob in applied.collected} == {blob.digest for blob in dry.collected}
    assert applied.freed_bytes == sum(before[blob.digest] for blob in applied.collected)
    assert [blob.digest for blob in ws.blobs.blobs()] == [kept]  # the shared image stays with "keeper"
    assert images.list_images(ws, "keeper")[0][0].sha256 == kept


def test_recent_blobs_and_blobs_stored_again_are_not_collected(ws, tmp_path):
    old = ws.blobs.put_bytes(b"an upload whose row never committed")
    _age(ws)
    recent = ws.blobs.put_bytes(b"an upload whose row is about to commit")
    report = collect_garbage(ws, grace_minutes=10)
    assert [blob.digest for blob in report.collected] == [old]
    assert report.recent == 1
    ws.blobs.put_bytes(b"an upload whose row never committed")  # stored again: its row is about to commit
    assert collect_garbage(ws, apply=True, grace_minutes=10).collected == []
    assert ws.blobs.exists(old)
    assert ws.blobs.exists(recent)


def test_gc_command_dry_run_then_apply(ws, tmp_path):
    digest = ws.blobs.put_bytes(b"nobody refers to me")
    _age(ws)

    def gc(*args: str) -> dict[str, object]:
        # in-process (what `seglab` runs: seglab.cli.main() is app()); a subprocess cost 1-1.6 s of CPU in imports each
        done = CliRunner().invoke(app, ["gc", "--json", *args])
        assert done.exit_code == 0, done.output
        return json.loads(done.stdout)

    dry = gc()
    assert dry["digests"] == [digest]
    assert dry["applied"] is False
    assert ws.blobs.exists(digest)
    applied = gc("--apply")
    assert applied["freed_bytes"] == len(b"nobody refers to me")
    assert not ws.blobs.exists(digest)
