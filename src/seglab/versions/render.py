"""Rendering one source image into its version outputs; runs in worker processes (both cores).

Workers write output images straight into the blob store (content-addressed, atomic) and send back
only metadata, so memory stays flat however large the version is.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from functools import lru_cache, partial
from pathlib import Path, PurePosixPath

import cv2
import numpy as np
from PIL import Image, ImageOps

from seglab.limits import to_rgb
from seglab.store.blobs import BlobStore, open_blob_store
from seglab.versions.augment import Augmenter, Source
from seglab.versions.instances import Instance
from seglab.versions.preprocess import Pixels, preprocess
from seglab.versions.recipe import AugmentStep, Preprocessing

PARALLEL_PUTS = 8
"""Output images a render process stores at once (:func:`render_many`)."""


@dataclass(frozen=True)
class SourceImage:
    image_id: int
    sha256: str
    path: str
    file_name: str
    instances: tuple[Instance, ...]


@dataclass(frozen=True)
class RenderTask:
    source: SourceImage
    split: str
    preprocessing: Preprocessing
    augmentations: tuple[AugmentStep, ...]
    seeds: tuple[int, ...]
    """One seed per augmented copy (empty for valid/test and multiplier 1)."""
    partners: tuple[tuple[SourceImage, ...], ...]
    """Mosaic partners for each augmented copy (empty tuples without mosaic)."""
    blob_url: str


@dataclass(frozen=True)
class RenderedImage:
    source_image_id: int
    split: str
    file_name: str
    sha256: str
    width: int
    height: int
    instances: tuple[Instance, ...]


def load_pixels(path: str) -> Pixels:
    """RGB pixels as displayed (EXIF orientation applied: annotations are drawn on the displayed image); 16-bit
    images scaled to 8 bits."""
    with Image.open(path) as image:
        return np.asarray(to_rgb(ImageOps.exif_transpose(image)))


def encode(pixels: Pixels, suffix: str) -> bytes:
    """PNG for PNG sources (lossless), JPEG quality 95 otherwise; deterministic bytes for given pixels."""
    bgr = cv2.cvtColor(pixels, cv2.COLOR_RGB2BGR)
    if suffix == ".png":
        ok, data = cv2.imencode(".png", bgr, [cv2.IMWRITE_PNG_COMPRESSION, 6])
    else:
        ok, data = cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, 95])
    if not ok:
        raise ValueError("could not encode image")
    return data.tobytes()


@lru_cache(maxsize=8)
def _augmenter(steps: tuple[AugmentStep, ...]) -> Augmenter:
    return Augmenter(steps)


@lru_cache(maxsize=4)
def _blobs(url: str) -> BlobStore:
    return open_blob_store(url)


def first_piece(source: SourceImage, preprocessing: Preprocessing) -> Source:
    """A mosaic partner as the recipe's preprocessing leaves it (its first tile when tiling)."""
    _, pixels, instances = preprocess(load_pixels(source.path), source.instances, preprocessing)[0]
    return Source(pixels, instances)


def _output_name(file_name: str, piece: str, copy: int, digest: str, suffix: str) -> str:
    stem = PurePosixPath(file_name).stem
    parts = [stem] + ([piece] if piece else []) + ([f"aug{copy}"] if copy else []) + [digest[:10]]
    return "_".join(parts) + suffix


def render(task: RenderTask, store: Callable[[bytes], str] | None = None) -> list[RenderedImage]:
    """Every output of one source image: its preprocessed piece(s), then the augmented copies, each stored by
    ``store`` (default: put into the blob store now), which returns its digest."""
    source = task.source
    suffix = ".png" if Path(source.file_name).suffix.lower() == ".png" else ".jpg"
    pieces = preprocess(load_pixels(source.path), source.instances, task.preprocessing)
    augment = _augmenter(task.augmentations)
    put = store or _blobs(task.blob_url).put_bytes
    outputs = []
    for piece_name, pixels, instances in pieces:
        variants = [(0, pixels, instances)]
        for copy, (seed, partners) in enumerate(zip(task.seeds, task.partners, strict=True), start=1):
            partner_sources = [first_piece(p, task.preprocessing) for p in partners]
            augmented, moved = augment(Source(pixels, instances), seed, partner_sources)
            variants.append((copy, augmented, moved))
        for copy, image, kept in variants:
            data = encode(np.ascontiguousarray(image), suffix)
            digest = put(data)
            outputs.append(
                RenderedImage(
                    source_image_id=source.image_id,
                    split=task.split,
                    file_name=_output_name(source.file_name, piece_name, copy, digest, suffix),
                    sha256=digest,
                    width=int(image.shape[1]),
                    height=int(image.shape[0]),
                    instances=tuple(kept),
                )
            )
    return outputs


def render_many(tasks: Sequence[RenderTask]) -> list[list[RenderedImage]]:
    """:func:`render` of each task, the outputs stored :data:`PARALLEL_PUTS` at a time while the next images render
    (to a bucket, each put is a request that mostly waits); returns once every output is stored."""
    with ThreadPoolExecutor(max_workers=PARALLEL_PUTS) as pool:
        pending: list[Future[str]] = []

        def store_later(task: RenderTask, data: bytes) -> str:
            pending.append(pool.submit(_blobs(task.blob_url).put_bytes, data))
            return hashlib.sha256(data).hexdigest()

        results = [render(task, partial(store_later, task)) for task in tasks]
        for put in pending:
            put.result()  # a failed put fails the batch
    return results


def render_from_store(task: RenderTask) -> list[RenderedImage]:
    """:func:`render` with the source image and its mosaic partners read from the blob store at ``task.blob_url`` by
    digest, not from the paths the driver saw: what a render task on another machine (a Ray node) does."""
    blobs = _blobs(task.blob_url)

    def stored(source: SourceImage) -> SourceImage:
        return replace(source, path=str(blobs.local_path(source.sha256)))

    partners = tuple(tuple(stored(partner) for partner in copy) for copy in task.partners)
    return render(replace(task, source=stored(task.source), partners=partners))


def derived_seed(*parts: object) -> int:
    """A 32-bit seed from anything printable (recipe seed, image hash, copy number)."""
    return int.from_bytes(hashlib.sha256(":".join(map(str, parts)).encode()).digest()[:4], "big")
