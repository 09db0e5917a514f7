"""``seglab doctor``: the database checked against the blob store and what crashes leave; ``--repair``."""

from __future__ import annotations

import json
from collections import Counter
from datetime import timedelta

from typer.testing import CliRunner

from seglab.cli import app
from seglab.services import images
from seglab.services.doctor import diagnose
from seglab.store import jobs as job_store
from seglab.store._models import AnnotationRow
from seglab.store.jobs import JobStatus


def _checks(report, *, unrepaired_only: bool = False) -> Counter[str]:
    return Counter(f.check for f in report.findings if not (unrepaired_only and f.repaired))


def test_a_healthy_project_is_clean(ws, project):
    report = diagnose(ws)
    assert report.clean
    assert report.findings == []
    assert report.checked["blob references"] >= 3


def test_every_kind_of_damage_is_found_and_what_can_be_is_repaired(ws, project):
    records = images.list_images(ws, project)[0]
    missing, corrupt = records[0], records[1]
    ws.blobs.delete(missing.sha256)
    ws.blobs.local_path(corrupt.sha256).write_bytes(b"flipped bits")
    ws.blobs.put_bytes(b"bytes whose row never committed")
    leftover = ws.blobs.local_path(corrupt.sha256).parent / ".tmp-crashed"
    leftover.write_bytes(b"half a blob")
    cache = ws.settings.home / "cache" / "thumbnails"
    cache.mkdir(parents=True)
    (cache / "abc.tmp").write_bytes(b"half a thumbnail")
    with ws.db.transaction() as session:
        stuck = job_store.submit(session, "version.create", {})
        job_store.claim(session, stuck.id, "gone-host:1", timedelta(seconds=-5))
        row = session.query(AnnotationRow).filter(AnnotationRow.deleted.is_(False)).first()
        row.geometry = {"type": "polygon", "parts": [{"exterior": [0, 0, 1e6, 0, 1e6, 1e6], "holes": []}]}
        broken = row.id

    found = diagnose(ws, min_age=0)
    assert not found.clean
    assert _checks(found) == {
        "missing blob": 1,
        "corrupt blob": 1,
        "orphan blobs": 1,
        "leftover file": 2,
        "stuck job": 1,
        "invalid annotation": 1,
    }
    messages = "\n".join(f.message for f in found.findings)
    assert missing.sha256 in messages
    assert f"annotation {broken}" in messages
    assert leftover.exists()  # not repaired without --repair

    repaired = diagnose(ws, repair=True, min_age=0)
    assert _checks(repaired, unrepaired_only=True) == {
        "missing blob": 1,
        "corrupt blob": 1,
        "orphan blobs": 1,
        "invalid annotation": 1,
    }
    assert not leftover.exists()
    assert not (cache / "abc.tmp").exists()
    with ws.db.transaction() as session:
        assert job_store.get_job(session, stuck.id).status is JobStatus.INTERRUPTED
    assert _checks(diagnose(ws, min_age=0)) == {
        "missing blob": 1,
        "corrupt blob": 1,
        "orphan blobs": 1,
        "invalid annotation": 1,
    }


def test_young_temporary_files_may_be_writes_under_way(ws):
    ws.blobs.put_bytes(b"x")
    folder = next(ws.blobs.blobs())
    leftover = ws.blobs.local_path(folder.digest).parent / ".tmp-writing"
    leftover.write_bytes(b"being written")
    report = diagnose(ws, repair=True)  # default --min-age: 5 minutes
    assert "leftover file" not in _checks(report)
    assert leftover.exists()


def test_doctor_command_json_and_exit_status(ws, project):
    # in-process (what `seglab` runs: seglab.cli.main() is app()); a subprocess cost 1-1.6 s of CPU in imports each
    command = ["doctor", "--json", "--min-age", "0"]
    healthy = CliRunner().invoke(app, command)
    assert healthy.exit_code == 0, healthy.output
    assert json.loads(healthy.stdout)["clean"] is True
    record = images.list_images(ws, project)[0][0]
    ws.blobs.delete(record.sha256)
    damaged = CliRunner().invoke(app, command)
    assert damaged.exit_code == 1
    report = json.loads(damaged.stdout)
    assert report["clean"] is False
    assert [f["check"] for f in report["findings"]] == ["missing blob"]
