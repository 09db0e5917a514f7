"""Small JPEGs of images for grids: as displayed (EXIF turn applied), optionally with their annotations drawn.

Both kinds are made once and cached under ``home/cache/thumbnails``: plain ones by the image's content hash (they
never change), annotated ones also by a digest of the annotations and class colours they show (an edit makes a new
one). Written to a temporary file and renamed, so a crash never leaves half a thumbnail. The cache holds at most
``SEGLAB_THUMBNAIL_CACHE_MB``: the least recently used thumbnails are deleted (and made again when asked for).
"""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt
from PIL import Image, ImageOps

from seglab import atomic
from seglab.errors import InvalidInputError
from seglab.geometry import MultiPolygon, polygon_to_mask
from seglab.limits import open_image, to_rgb
from seglab.lru import SizedLru
from seglab.services.images import get_image
from seglab.store import Workspace, images, projects
from seglab.store import annotations as annotation_store
from seglab.store.records import StoredAnnotation

THUMBNAIL_SIZES = (128, 256, 512)
"""The sizes the grid asks for (longest side, pixels); a fixed few so the cache cannot be filled with variants."""
FILL_OPACITY = 0.45
UNCOLOURED = "#ff00ff"


def _cache_dir(ws: Workspace) -> Path:
    folder = ws.settings.ensure_home() / "cache" / "thumbnails"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


_budgets: dict[Path, SizedLru[Path, None]] = {}
_budgets_lock = threading.Lock()


def _delete(path: Path, _: None) -> None:
    path.unlink(missing_ok=True)


def _budget(ws: Workspace) -> SizedLru[Path, None]:
    """The cache folder's files by last use, within the byte budget (read from the folder once per process, oldest
    first, so a budget lowered since the last run takes effect at once)."""
    folder = _cache_dir(ws)
    with _budgets_lock:
        budget = _budgets.get(folder)
        if budget is None:
            budget = SizedLru(int(ws.settings.thumbnail_cache_mb * 1024**2), _delete)
            found = []
            for path in folder.glob("*.jpg"):
                try:
                    info = path.stat()
                except FileNotFoundError:
                    continue
                found.append((info.st_mtime, info.st_size, path))
            for _, size, path in sorted(found):
                budget.put(path, None, size)
            _budgets[folder] = budget
    return budget


def _used(ws: Workspace, path: Path) -> None:
    """``path`` was just served or written: the most recently used; the least recently used beyond the budget go."""
    budget = _budget(ws)
    if path in budget:
        budget.get(path)
    else:
        budget.put(path, None, path.stat().st_size)


def _write_jpeg(picture: Image.Image, path: Path) -> None:
    with atomic.replacing(path, private=True) as partial:
        picture.save(partial, "JPEG", quality=85)


def thumbnail(ws: Workspace, image_id: int, size: int = 256, *, with_annotations: bool = False) -> Path:
    """The image as displayed, its longest side at most ``size``; with its annotations filled in and outlined in
    their class colours when ``with_annotations``."""
    if size not in THUMBNAIL_SIZES:
        raise InvalidInputError(f"thumbnail size must be one of {', '.join(map(str, THUMBNAIL_SIZES))}, not {size}")
    record = get_image(ws, image_id)
    assert record.sha256 is not None  # stored images always have their hash
    plain = _cache_dir(ws) / f"{record.sha256}-{size}.jpg"
    if not plain.is_file():
        source = ws.blobs.local_path(record.sha256)
        with open_image(source, max_pixels=ws.settings.max_image_pixels, name=f"image {image_id}") as original:
            original.draft("RGB", (size, size))  # JPEGs decode at a reduced scale in the DCT: much faster
            picture = to_rgb(ImageOps.exif_transpose(original))
        picture.thumbnail((size, size))
        _write_jpeg(picture, plain)
    _used(ws, plain)
    if not with_annotations:
        return plain
    with ws.db.transaction() as session:
        shown = annotation_store.list_annotations(session, [image_id])
        project = projects.get_project(session, images.image_row(session, image_id).project_id)
    if not shown:
        return plain
    colours = {c.id: c.color or UNCOLOURED for c in project.categories}
    state = [(a.annotation.id, a.revision, colours.get(a.annotation.category_id, UNCOLOURED)) for a in shown]
    digest = hashlib.sha256(repr(sorted(state)).encode()).hexdigest()[:16]
    drawn = _cache_dir(ws) / f"{record.sha256}-{size}-{digest}.jpg"
    if not drawn.is_file():
        with Image.open(plain) as base:
            pixels = np.asarray(base.convert("RGB"))
        _write_jpeg(Image.fromarray(_draw(pixels, shown, colours, (record.width, record.height))), drawn)
    _used(ws, drawn)
    return drawn


def _rgb(colour: str) -> tuple[int, int, int]:
    value = colour.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def _draw(
    pixels: npt.NDArray[np.uint8], shown: list[StoredAnnotation], colours: dict[int, str], image_wh: tuple[int, int]
) -> npt.NDArray[np.uint8]:
    """Masks filled translucent and outlined opaque, in each annotation's class colour, at the thumbnail's scale."""
    height, width = pixels.shape[:2]
    sx, sy = width / image_wh[0], height / image_wh[1]
    filled, outlined = pixels.copy(), pixels.copy()
    for stored in shown:
        segmentation = stored.annotation.segmentation
        if isinstance(segmentation, MultiPolygon):
            mask_u8 = polygon_to_mask(segmentation.scale(sx, sy), (width, height)).astype(np.uint8)
        else:  # RLE: the full-size mask, shrunk
            full = segmentation.to_mask().astype(np.uint8)
            mask_u8 = np.asarray(cv2.resize(full, (width, height), interpolation=cv2.INTER_NEAREST), dtype=np.uint8)
        colour = _rgb(colours.get(stored.annotation.category_id, UNCOLOURED))
        filled[mask_u8 > 0] = colour
        contours, _ = cv2.findContours(mask_u8, cv2.RETR_CCOMP, cv2.CHAIN_APPROX_SIMPLE)
        cv2.drawContours(outlined, contours, -1, colour, 1)
    blended = np.asarray(cv2.addWeighted(filled, FILL_OPACITY, pixels, 1 - FILL_OPACITY, 0), dtype=np.uint8)
    edges = np.any(outlined != pixels, axis=2)
    blended[edges] = outlined[edges]
    return blended
