"""seglab.atomic: a file is replaced whole or not at all, by any number of writers at once."""

from __future__ import annotations

import stat
import threading
from pathlib import Path

import pytest

from seglab import atomic


def test_a_write_replaces_the_file_and_leaves_nothing_beside_it(tmp_path: Path) -> None:
    target = tmp_path / "deep" / "report.json"
    atomic.write_text(target, "old")
    atomic.write_text(target, "new", durable=True)
    assert target.read_text() == "new"
    assert [p.name for p in target.parent.iterdir()] == ["report.json"]


def test_a_failed_write_keeps_the_old_file_and_removes_its_temporary(tmp_path: Path) -> None:
    target = tmp_path / "model.onnx"
    atomic.write_bytes(target, b"old")

    def export(path: Path) -> None:
        path.write_bytes(b"half")
        raise RuntimeError("the exporter failed")

    with pytest.raises(RuntimeError, match="exporter failed"):
        _export_into(target, export)
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["model.onnx"]


def test_writers_at_once_never_show_a_reader_half_a_file(tmp_path: Path) -> None:
    """Each writer has a temporary file of its own (a shared ``.tmp`` name let one writer rename another's half-written
    file into place)."""
    target = tmp_path / "embedding.npz"
    size = 1 << 20
    torn: list[bytes] = []
    errors: list[BaseException] = []

    def write(byte: int) -> None:
        try:
            for _ in range(10):
                atomic.write_bytes(target, bytes([byte]) * size)
        except BaseException as error:  # reported by the test, not lost in a thread
            errors.append(error)

    writers = [threading.Thread(target=write, args=(byte,)) for byte in range(1, 7)]
    for writer in writers:
        writer.start()
    while any(writer.is_alive() for writer in writers):
        if target.exists():
            seen = target.read_bytes()
            if len(seen) != size or seen.count(seen[:1]) != size:
                torn.append(seen[:16])
    for writer in writers:
        writer.join()
    assert not errors
    assert not torn
    assert [p.name for p in tmp_path.iterdir()] == ["embedding.npz"]


def test_a_new_file_gets_the_permissions_open_would_give(tmp_path: Path) -> None:
    """Not mkstemp's 0600: a dataset exported into a shared folder is readable as any file written there is."""
    atomic.write_text(tmp_path / "classes.csv", "a,b")
    opened = tmp_path / "opened.csv"
    opened.write_text("a,b")
    assert stat.S_IMODE((tmp_path / "classes.csv").stat().st_mode) == stat.S_IMODE(opened.stat().st_mode)


def _export_into(target: Path, export) -> None:
    with atomic.replacing(target) as partial:
        export(partial)


def test_a_private_file_is_the_owners_alone(tmp_path: Path) -> None:
    """What the stores and caches hold (images, embeddings, thumbnails) is 0600, as the blob store's own files are."""
    atomic.write_bytes(tmp_path / "blob", b"pixels", private=True)
    assert stat.S_IMODE((tmp_path / "blob").stat().st_mode) == 0o600
