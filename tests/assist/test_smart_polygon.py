"""Smart Polygon with the offline GrabCut fallback: masks, detail, refinement, and embeddings computed once."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from seglab.assist import GrabCutSegmenter, Prompt, tolerance_for
from seglab.errors import InvalidInputError, NotFoundError
from seglab.geometry import mask_iou, polygon_to_mask
from seglab.services.assist import smart_polygon


class CountingGrabCut(GrabCutSegmenter):
    """The real fallback, counting how often it computes an embedding."""

    def __init__(self) -> None:
        super().__init__()
        self.embedded = 0
        self.lock = threading.Lock()

    def embed(self, image):
        with self.lock:
            self.embedded += 1
        return super().embed(image)


@pytest.fixture
def smart(ws):
    engine = smart_polygon(ws, default_model="grabcut")
    yield engine
    engine.close()


def test_a_click_inside_outlines_the_object(smart, ellipse_image):
    image_id, truth = ellipse_image
    result = smart.segment(image_id, Prompt.of([[500, 400]], [1]), detail=1.0)
    assert result.model == "grabcut"
    assert result.polygon is not None
    assert mask_iou(polygon_to_mask(result.polygon, (1000, 800)), truth) > 0.9
    assert result.area == pytest.approx(truth.sum(), rel=0.1)
    assert set(result.timing_ms) == {"embedding", "decode", "polygon", "total"}


def test_a_box_alone_outlines_the_object(smart, ellipse_image):
    image_id, truth = ellipse_image
    ys, xs = np.nonzero(truth)
    box = [xs.min() - 10, ys.min() - 10, xs.max() + 10, ys.max() + 10]
    result = smart.segment(image_id, Prompt.of([], [], box), detail=1.0)
    assert mask_iou(polygon_to_mask(result.polygon, (1000, 800)), truth) > 0.9


def test_a_negative_click_and_the_previous_mask_refine_the_answer(smart, ellipse_image):
    image_id, _truth = ellipse_image
    first = smart.segment(image_id, Prompt.of([[500, 400]], [1]), detail=1.0)
    # cut the right half away: a negative click there, refining the first answer
    refined = smart.segment(image_id, Prompt.of([[500, 400], [640, 400]], [1, 0]), mask_id=first.mask_id, detail=1.0)
    found = polygon_to_mask(refined.polygon, (1000, 800))
    assert not found[395:405, 635:645].any()
    assert found[395:405, 495:505].all()
    with pytest.raises(NotFoundError, match="not known"):
        smart.segment(image_id, Prompt.of([[500, 400]], [1]), mask_id="nope")


def test_detail_trades_points_for_precision(smart, ellipse_image):
    image_id, truth = ellipse_image
    exact = smart.segment(image_id, Prompt.of([[500, 400]], [1]), detail=1.0)
    coarse = smart.segment(image_id, Prompt.of([[500, 400]], [1]), detail=0.0)
    assert coarse.polygon.num_points < exact.polygon.num_points / 4
    assert mask_iou(polygon_to_mask(coarse.polygon, (1000, 800)), truth) > 0.85
    assert tolerance_for(1.0, truth) == 0.0
    with pytest.raises(InvalidInputError):
        tolerance_for(1.5, truth)


def test_rle_instead_of_a_polygon(smart, ellipse_image):
    image_id, truth = ellipse_image
    result = smart.segment(image_id, Prompt.of([[500, 400]], [1]), as_rle=True)
    assert mask_iou(result.rle.to_mask(), truth) > 0.9


def test_embeddings_are_computed_once_kept_on_disk_and_shared_by_concurrent_clicks(ws, ellipse_image):
    image_id, _ = ellipse_image
    counting = CountingGrabCut()
    smart = smart_polygon(ws, default_model="grabcut")
    smart.use(smart.resolve(), counting)
    assert not smart.embed(image_id, wait=False).ready or counting.embedded <= 1
    threads = [threading.Thread(target=smart.segment, args=(image_id, Prompt.of([[500, 400]], [1]))) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert counting.embedded == 1
    assert smart.embed(image_id).ready
    smart.close()

    again = smart_polygon(ws, default_model="grabcut")  # a restarted server: the embedding comes from disk
    fresh = CountingGrabCut()
    again.use(again.resolve(), fresh)
    again.segment(image_id, Prompt.of([[500, 400]], [1]))
    assert fresh.embedded == 0
    again.close()


@pytest.mark.parametrize(
    ("points", "labels", "box", "message"),
    [
        ([], [], None, "at least one point or a box"),
        ([[1, 2]], [], None, "1 points but 0 labels"),
        ([[1, 2]], [3], None, "labels are 1"),
        ([], [], [10, 10, 5, 20], "x1 > x0"),
    ],
)
def test_malformed_prompts_are_refused(points, labels, box, message):
    with pytest.raises(InvalidInputError, match=message):
        Prompt.of(points, labels, box)


def test_clicks_outside_the_image_are_refused(smart, ellipse_image):
    image_id, _ = ellipse_image
    with pytest.raises(InvalidInputError, match="outside the 1000x800 image"):
        smart.segment(image_id, Prompt.of([[1500, 10]], [1]))


def test_the_disk_cache_keeps_the_most_recently_used_within_its_budget(tmp_path):
    from seglab.assist import EmbeddingCache

    segmenter = GrabCutSegmenter()
    cache = EmbeddingCache(tmp_path, max_bytes=1)  # room for one file only
    image = np.zeros((40, 60, 3), np.uint8)
    for digest in ("aa11", "bb22"):
        cache.get(("grabcut", digest), lambda: segmenter.embed(image), segmenter.restore)
    assert [p.stem for p in tmp_path.rglob("*.npz")] == ["bb22"]
    cache.close()
