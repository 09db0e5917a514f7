"""The thumbnail cache and the in-memory embedding cache stay within their byte budgets."""

from __future__ import annotations

import numpy as np

from seglab.assist import EmbeddingCache
from seglab.assist.grabcut import GrabCutSegmenter
from seglab.services import images, projects, thumbnails

from ..faults.processes import write_images


def _folder_bytes(folder) -> int:
    return sum(path.stat().st_size for path in folder.glob("*.jpg"))


def test_the_thumbnail_cache_keeps_the_most_recently_used_within_its_budget(ws, tmp_path):
    ws.settings.thumbnail_cache_mb = 0.1  # 100 KiB: room for a few 256-pixel thumbnails of noise
    budget = int(0.1 * 1024**2)
    projects.create_project(ws, "thumbs")
    images.upload_paths(ws, "thumbs", [write_images(tmp_path / "images", 12, size=320)])
    ids = images.image_ids(ws, "thumbs")
    made = [thumbnails.thumbnail(ws, image_id, 256) for image_id in ids]
    folder = made[0].parent
    assert _folder_bytes(folder) <= budget
    assert len(list(folder.glob("*.jpg"))) < len(ids)  # some were evicted
    assert made[-1].is_file()  # the newest is kept
    again = thumbnails.thumbnail(ws, ids[0], 256)  # evicted, so made again
    assert again.is_file()
    assert _folder_bytes(folder) <= budget


def test_the_embedding_memory_holds_its_budget(tmp_path):
    segmenter = GrabCutSegmenter()
    image = np.zeros((400, 600, 3), np.uint8)
    one = sum(array.nbytes for array in segmenter.embed(image).arrays().values())
    cache = EmbeddingCache(tmp_path, memory_bytes=3 * one)
    try:
        for index in range(10):
            cache.get(("grabcut", f"{index:02d}aa"), lambda: segmenter.embed(image), segmenter.restore)
            assert cache.memory_bytes <= 3 * one
        assert cache.memory_bytes == 3 * one
        assert len(list(tmp_path.rglob("*.npz"))) == 10  # the disk keeps them (its own budget is larger)
    finally:
        cache.close()
