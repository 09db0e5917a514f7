"""The hostile-input corpus, written by this script: decompression bombs, truncated and corrupted files of every
accepted image format, formats seglab refuses, malformed datasets of every format it reads, zip bombs, zip-slip
members and symbolic links. Everything is made here from nothing (no third-party data); the bombs are small files
(headers that claim billions of pixels, zeros that compress a thousand-fold), so a run writes a few megabytes.

    python tests/corpus/generate.py OUT    # writes the corpus into OUT and lists its cases

The tests (tests/corpus/) call :func:`generate` from a session fixture. Each case names what makes it hostile;
``kind`` says which entry points take it: ``image`` (upload, inference, workflow and, inside a dataset, import),
``archive`` (upload, import) or ``dataset`` (import and inspect).
"""

from __future__ import annotations

import io
import json
import struct
import sys
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

WIDTH, HEIGHT = 64, 48
IMAGE_FORMATS = {"jpeg": ".jpg", "png": ".png", "webp": ".webp", "tiff": ".tif", "bmp": ".bmp", "gif": ".gif"}


@dataclass(frozen=True)
class Case:
    name: str
    kind: str
    """``image``, ``archive`` or ``dataset``."""
    path: Path
    why: str


def _pixels(seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 255, (HEIGHT, WIDTH, 3), dtype=np.uint8)


def encoded(fmt: str, seed: int = 0) -> bytes:
    """A small, valid image in ``fmt`` (a Pillow format name, lower case)."""
    buffer = io.BytesIO()
    image = Image.fromarray(_pixels(seed))
    (image.convert("P") if fmt == "gif" else image).save(buffer, format=fmt.upper())
    return buffer.getvalue()


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_claiming(width: int, height: int) -> bytes:
    """A PNG whose header claims ``width`` x ``height`` pixels, followed by one compressed row: a bomb's header."""
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    row = zlib.compress(b"\0" * (width + 1))
    return b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header) + _png_chunk(b"IDAT", row) + _png_chunk(b"IEND", b"")


def png_bomb(side: int) -> bytes:
    """A real 1-bit PNG of ``side`` x ``side`` zeros: a few kilobytes that decode to ``side``² pixels."""
    rows = (b"\0" + b"\0" * ((side + 7) // 8)) * side
    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    idat = zlib.compress(rows, 9)
    return b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header) + _png_chunk(b"IDAT", idat) + _png_chunk(b"IEND", b"")


def gif_claiming(width: int, height: int) -> bytes:
    """A GIF whose logical screen is ``width`` x ``height`` around a 1-pixel frame."""
    return (
        b"GIF89a"
        + struct.pack("<HHBBB", width, height, 0x80, 0, 0)
        + b"\0\0\0\xff\xff\xff"
        + b","
        + struct.pack("<HHHHB", 0, 0, 1, 1, 0)
        + b"\x02\x02\x44\x01\x00;"
    )


def tiff_claiming(width: int, height: int) -> bytes:
    """A baseline TIFF (little endian, 8-bit grey, one strip) whose tags claim ``width`` x ``height``."""
    entries = [
        (256, 4, 1, width),
        (257, 4, 1, height),
        (258, 3, 1, 8),
        (259, 3, 1, 1),
        (262, 3, 1, 1),
        (273, 4, 1, 8 + 2 + 9 * 12 + 4),
        (277, 3, 1, 1),
        (278, 4, 1, height),
        (279, 4, 1, 16),
    ]
    ifd = struct.pack("<H", len(entries)) + b"".join(struct.pack("<HHII", *entry) for entry in entries)
    return b"II*\0" + struct.pack("<I", 8) + ifd + struct.pack("<I", 0) + b"\0" * 16


def jpeg_claiming(width: int, height: int) -> bytes:
    """A small JPEG with its frame header (SOF0) rewritten to claim ``width`` x ``height``."""
    data = bytearray(encoded("jpeg"))
    sof = data.index(b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def bmp_claiming(width: int, height: int) -> bytes:
    """A small BMP with its header rewritten to claim ``width`` x ``height``."""
    data = bytearray(encoded("bmp"))
    data[18:26] = struct.pack("<ii", width, height)
    return bytes(data)


def webp_claiming(width: int, height: int) -> bytes:
    """A small lossless WebP inside an extended (VP8X) container whose canvas claims ``width`` x ``height``."""
    simple = encoded("webp")
    body = simple[12:]
    vp8x = b"VP8X" + struct.pack("<I", 10) + b"\0\0\0\0" + (width - 1).to_bytes(3, "little")
    vp8x += (height - 1).to_bytes(3, "little")
    payload = b"WEBP" + vp8x + body
    return b"RIFF" + struct.pack("<I", len(payload)) + payload


def truncated(data: bytes) -> bytes:
    return data[: len(data) // 2]


def corrupted(data: bytes, seed: int = 0) -> bytes:
    """The bytes after the first 40 (past most headers) scrambled."""
    rng = np.random.default_rng(seed)
    body = bytearray(data)
    for index in rng.choice(np.arange(40, len(body)), size=max(8, len(body) // 10), replace=False):
        body[int(index)] ^= int(rng.integers(1, 256))
    return bytes(body)


EPS = b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 64 48\n0 0 moveto 64 48 lineto stroke\nshowpage\n%%EOF\n"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="64" height="48"><rect width="64" height="48"/></svg>\n'
HTML = b"<!doctype html><html><body><script>alert(1)</script></body></html>\n"


def _ico() -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(_pixels()).save(buffer, format="ICO")
    return buffer.getvalue()


def image_cases() -> dict[str, tuple[bytes, str]]:
    """Hostile image files by name: their bytes and why they are hostile."""
    cases: dict[str, tuple[bytes, str]] = {
        "bomb-header.png": (png_claiming(20_000, 10_000), "PNG header claiming 200 Mpx (Pillow's own bomb error)"),
        "bomb-real.png": (png_bomb(9_000), "real 1-bit PNG of 81 Mpx in a few kilobytes"),
        "bomb.gif": (gif_claiming(65_535, 65_535), "GIF logical screen of 4.3 Gpx"),
        "bomb.tif": (tiff_claiming(100_000, 100_000), "TIFF tags claiming 10 Gpx"),
        "bomb-moderate.tif": (tiff_claiming(8_000, 8_000), "TIFF tags claiming 64 Mpx, under Pillow's own limit"),
        "bomb.jpg": (jpeg_claiming(65_000, 65_000), "JPEG frame header claiming 4.2 Gpx"),
        "bomb.bmp": (bmp_claiming(30_000, 30_000), "BMP header claiming 900 Mpx"),
        "bomb.webp": (webp_claiming(16_000, 16_000), "WebP canvas claiming 256 Mpx"),
        "empty.png": (b"", "zero bytes"),
        "eps.eps": (EPS, "EPS (Ghostscript would run it)"),
        "eps-named.jpg": (EPS, "EPS named .jpg"),
        "html-named.jpg": (HTML, "an HTML page named .jpg"),
        "svg.svg": (SVG, "SVG (not a raster format seglab reads)"),
        "icon.ico": (_ico(), "ICO: a format Pillow reads, outside the allowlist"),
        "zero-size.png": (png_claiming(0, 10), "PNG header with width 0"),
    }
    for fmt, suffix in IMAGE_FORMATS.items():
        data = encoded(fmt)
        cases[f"truncated-{fmt}{suffix}"] = (truncated(data), f"{fmt.upper()} cut in half")
        cases[f"corrupted-{fmt}{suffix}"] = (corrupted(data), f"{fmt.upper()} with scrambled bytes")
    return cases


def _zip(path: Path, members: dict[str, bytes], *, compression: int = zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def _zip_symlink(path: Path, name: str, target: str) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        info = zipfile.ZipInfo(name)
        info.create_system = 3
        info.external_attr = (0o120777 << 16) | 0
        archive.writestr(info, target)
        archive.writestr("a.png", encoded("png"))
    return path


def _forged_size(path: Path, declared: int) -> Path:
    """A zip whose directory declares ``declared`` uncompressed bytes for a member of a few bytes."""
    _zip(path, {"a.png": encoded("png"), "huge.png": b"\0" * 64}, compression=zipfile.ZIP_STORED)
    data = bytearray(path.read_bytes())
    central = data.rindex(b"PK\x01\x02")
    data[central + 24 : central + 28] = struct.pack("<I", declared)
    local = data.index(b"PK\x03\x04", 30)
    data[local + 22 : local + 26] = struct.pack("<I", declared)
    path.write_bytes(bytes(data))
    return path


def archive_cases(folder: Path, outside: Path) -> list[Case]:
    png = encoded("png")
    made = [
        ("zip-bomb.zip", lambda p: _zip(p, {"a.png": png, "zeros.png": b"\0" * (8 << 20)}), "8 MiB of zeros, ~1000:1"),
        ("zip-forged-size.zip", lambda p: _forged_size(p, 0xFFFF_FFF0), "directory claims a 4 GiB member"),
        ("zip-many-files.zip", lambda p: _zip(p, {f"f{i}.txt": b"" for i in range(700)}), "700 members"),
        ("zip-slip-parent.zip", lambda p: _zip(p, {"a.png": png, "../escaped.png": png}), "member ../escaped.png"),
        ("zip-slip-absolute.zip", lambda p: _zip(p, {f"{outside}/absolute.png": png}), "member with absolute path"),
        ("zip-slip-drive.zip", lambda p: _zip(p, {"C:/escaped.png": png}), "member C:/escaped.png"),
        ("zip-slip-backslash.zip", lambda p: _zip(p, {"..\\escaped.png": png}), "member ..\\escaped.png"),
        ("zip-symlink.zip", lambda p: _zip_symlink(p, "link.png", str(outside / "secret.png")), "symlink member"),
        ("zip-not-a-zip.zip", lambda p: p.write_bytes(b"PK\x03\x04 not really a zip" * 10) and p, "not a zip"),
        ("zip-truncated.zip", lambda p: p.write_bytes(truncated(_zip(p, {"a.png": png}).read_bytes())) and p, "cut"),
        ("zip-bomb-image.zip", lambda p: _zip(p, {"bomb.png": png_claiming(20_000, 10_000)}), "a bomb image inside"),
    ]
    cases = []
    for name, build, why in made:
        path = folder / name
        build(path)
        cases.append(Case(name, "archive", path, why))
    return cases


# --- datasets -------------------------------------------------------------------------------------------------------

Writer = Callable[[Path], None]


def _write(path: Path, data: bytes | str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode() if isinstance(data, str) else data)


def _coco(images: Any = None, annotations: Any = None, categories: Any = None, **extra: Any) -> dict[str, Any]:
    return {
        "images": [{"id": 1, "file_name": "a.png", "width": WIDTH, "height": HEIGHT}] if images is None else images,
        "annotations": annotations if annotations is not None else [],
        "categories": [{"id": 1, "name": "thing"}] if categories is None else categories,
        **extra,
    }


def _polygon(segmentation: Any, **extra: Any) -> dict[str, Any]:
    return {"id": 1, "image_id": 1, "category_id": 1, "segmentation": segmentation, "iscrowd": 0, **extra}


SQUARE = [[5, 5, 30, 5, 30, 30, 5, 30]]


def coco_cases() -> dict[str, tuple[Any, str]]:
    """COCO annotation files (as JSON values, or raw text) by case name."""
    deep = "[" * 100_000 + "]" * 100_000
    return {
        "coco-not-json": ("{ this is not json", "malformed JSON"),
        "coco-not-utf8": (b'{"images": "\xff\xfe"}', "bytes that are not UTF-8"),
        "coco-deep": ('{"images": ' + deep + ', "categories": []}', "100000 nested arrays"),
        "coco-top-list": ([1, 2, 3], "a list instead of an object"),
        "coco-wrong-types": ({"images": {"a": 1}, "annotations": "x", "categories": 7}, "sections of the wrong type"),
        "coco-image-missing-keys": (_coco(images=[{"id": 1}]), "image without file_name or size"),
        "coco-image-bad-size": (
            _coco(images=[{"id": 1, "file_name": "a.png", "width": "wide", "height": -3}]),
            "image size as a string and a negative number",
        ),
        "coco-bool-ids": (_coco(annotations=[_polygon(SQUARE, id=True, image_id=True)]), "ids written as true"),
        "coco-dangling-ids": (
            _coco(annotations=[_polygon(SQUARE, image_id=999), _polygon(SQUARE, id=2, category_id=999)]),
            "annotations naming an image and a category that do not exist",
        ),
        "coco-duplicate-ids": (
            _coco(
                images=[{"id": 1, "file_name": "a.png", "width": WIDTH, "height": HEIGHT}] * 2,
                annotations=[_polygon(SQUARE), _polygon(SQUARE)],
                categories=[{"id": 1, "name": "thing"}, {"id": 1, "name": "other"}],
            ),
            "the same ids twice",
        ),
        "coco-missing-segmentation": (_coco(annotations=[{"id": 1, "image_id": 1, "category_id": 1}]), "no shape"),
        "coco-nan": (_coco(annotations=[_polygon([[5, 5, float("nan"), 5, 30, 30, 5, 30]])]), "NaN coordinate"),
        "coco-inf": (_coco(annotations=[_polygon([[5, 5, float("inf"), 5, 30, 30, 5, 30]])]), "Infinity coordinate"),
        "coco-huge": (_coco(annotations=[_polygon([[5, 5, 1e308, 5, 1e308, 1e308, 5, 1e308]])]), "1e308"),
        "coco-huge-integer": (_coco(annotations=[_polygon([[5, 5, 10**400, 5, 30, 30]])]), "a 400-digit integer"),
        "coco-odd-count": (_coco(annotations=[_polygon([[5, 5, 30, 5, 30]])]), "odd coordinate count"),
        "coco-strings": (_coco(annotations=[_polygon([["5", "x", 30, 5, 30, 30]])]), "coordinates as strings"),
        "coco-nested-junk": (_coco(annotations=[_polygon([[[5, 5]], {"x": 1}, None])]), "junk inside a polygon"),
        "coco-bowtie": (_coco(annotations=[_polygon([[5, 5, 30, 30, 30, 5, 5, 30]])]), "self-intersecting polygon"),
        "coco-many-points": (
            _coco(annotations=[_polygon([[float(v % 60) for v in range(200_000)]])]),
            "one polygon of 100000 points",
        ),
        "coco-rle-absurd": (
            _coco(annotations=[_polygon({"size": [1_000_000, 1_000_000], "counts": "0"}, iscrowd=1)]),
            "RLE of 10^6 x 10^6",
        ),
        "coco-rle-negative": (
            _coco(annotations=[_polygon({"size": [HEIGHT, WIDTH], "counts": [-5, 10, 3]}, iscrowd=1)]),
            "RLE with negative counts",
        ),
        "coco-rle-overflow": (
            _coco(annotations=[_polygon({"size": [HEIGHT, WIDTH], "counts": [10, 10**12]}, iscrowd=1)]),
            "RLE counts past the image",
        ),
        "coco-rle-garbage": (
            _coco(annotations=[_polygon({"size": [HEIGHT, WIDTH], "counts": "\x00\xff!!"}, iscrowd=1)]),
            "compressed RLE text that is not RLE",
        ),
        "coco-rle-bad-size": (
            _coco(annotations=[_polygon({"size": ["a", None], "counts": [1]}, iscrowd=1)]),
            "RLE size of the wrong types",
        ),
        "coco-bbox-only-negative": (
            _coco(annotations=[{"id": 1, "image_id": 1, "category_id": 1, "bbox": [-10, -10, -5, 1e308]}]),
            "a box with negative size",
        ),
        "coco-long-strings": (
            _coco(categories=[{"id": 1, "name": "n" * 1_000_000}], info={"description": "d" * 1_000_000}),
            "a category name of a million characters",
        ),
        "coco-escaping-name": (
            _coco(images=[{"id": 1, "file_name": "../../../../etc/passwd", "width": WIDTH, "height": HEIGHT}]),
            "file_name leading out of the dataset",
        ),
        "coco-absolute-name": (
            _coco(images=[{"id": 1, "file_name": "/etc/passwd", "width": WIDTH, "height": HEIGHT}]),
            "absolute file_name",
        ),
        "coco-huge-declared-size": (
            _coco(images=[{"id": 1, "file_name": "a.png", "width": 10**9, "height": 10**9}]),
            "image declared 10^9 x 10^9",
        ),
    }


def _coco_dataset(root: Path, content: Any, image: bytes | None = None, image_name: str = "a.png") -> None:
    data = content if isinstance(content, str | bytes) else json.dumps(content)
    _write(root / "train" / "_annotations.coco.json", data)
    _write(root / "train" / image_name, image if image is not None else encoded("png"))


def _yolo_dataset(root: Path, labels: bytes | str, data_yaml: str | None = None, image: bytes | None = None) -> None:
    _write(root / "data.yaml", data_yaml if data_yaml is not None else "names: [thing, other]\n")
    _write(root / "train" / "images" / "a.png", image if image is not None else encoded("png"))
    _write(root / "train" / "labels" / "a.txt", labels)


def yolo_cases() -> dict[str, Writer]:
    laughs = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n"
        for i in range(12)
    )
    return {
        "yolo-nan": lambda r: _yolo_dataset(r, "0 nan 0.1 0.5 0.5 0.2 0.9\n"),
        "yolo-huge": lambda r: _yolo_dataset(r, "0 1e308 0.1 1e308 1e308 0.2 0.9\n"),
        "yolo-odd-count": lambda r: _yolo_dataset(r, "0 0.1 0.1 0.5 0.5 0.2\n"),
        "yolo-class-out-of-range": lambda r: _yolo_dataset(r, "7 0.1 0.1 0.5 0.1 0.5 0.5\n-1 0.1 0.1 0.5 0.1 0.5\n"),
        "yolo-class-not-int": lambda r: _yolo_dataset(r, "0.5 0.1 0.1 0.5 0.1 0.5 0.5\nx 1 2 3 4 5 6\n"),
        "yolo-bowtie": lambda r: _yolo_dataset(r, "0 0.1 0.1 0.9 0.9 0.9 0.1 0.1 0.9\n"),
        "yolo-not-utf8": lambda r: _yolo_dataset(r, b"0 0.1 0.1 \xff\xfe 0.5\n"),
        "yolo-long-line": lambda r: _yolo_dataset(r, "0 " + " ".join(["0.5"] * 400_001) + "\n"),
        "yolo-yaml-invalid": lambda r: _yolo_dataset(r, "0 0.1 0.1 0.5 0.1 0.5 0.5\n", "names: [unclosed\n  - :\n"),
        "yolo-yaml-not-mapping": lambda r: _yolo_dataset(r, "0 0.1 0.1 0.5 0.1 0.5 0.5\n", "- just\n- a list\n"),
        "yolo-yaml-bad-names": lambda r: _yolo_dataset(r, "0 0.1 0.1 0.5 0.1 0.5 0.5\n", "names: 42\nnc: many\n"),
        "yolo-yaml-laughs": lambda r: _yolo_dataset(r, "0 0.1 0.1 0.5 0.1 0.5 0.5\n", laughs + "names: *m\n"),
        "yolo-yaml-python-tag": lambda r: _yolo_dataset(
            r, "0 0.1 0.1 0.5 0.1 0.5 0.5\n", "names: !!python/object/apply:os.system ['true']\n"
        ),
        "yolo-bomb-image": lambda r: _yolo_dataset(r, "0 0.1 0.1 0.5 0.1 0.5\n", image=png_claiming(20_000, 10_000)),
    }


def _labelme(root: Path, shapes: Any, **extra: Any) -> None:
    document = {"version": "5.4.1", "shapes": shapes, "imagePath": "a.png", "imageHeight": HEIGHT, "imageWidth": WIDTH}
    _write(root / "a.json", json.dumps({**document, **extra}))
    if "imageData" not in extra:
        _write(root / "a.png", encoded("png"))


def _shape(points: Any, **extra: Any) -> dict[str, Any]:
    return {"label": "thing", "points": points, "shape_type": "polygon", **extra}


def _b64(data: bytes) -> str:
    import base64

    return base64.b64encode(data).decode()


def labelme_cases() -> dict[str, Writer]:
    return {
        "labelme-nan": lambda r: _labelme(r, [_shape([[5, 5], [float("nan"), 5], [30, 30]])]),
        "labelme-huge": lambda r: _labelme(r, [_shape([[5, 5], [1e308, 5], [1e308, 1e308]])]),
        "labelme-points-wrong": lambda r: _labelme(r, [_shape("5,5"), _shape([[1, 2, 3]]), _shape([["a", "b"]])]),
        "labelme-shapes-not-list": lambda r: _labelme(r, {"a": 1}),
        "labelme-shape-not-object": lambda r: _labelme(r, [1, None, "x"]),
        "labelme-bad-size": lambda r: _labelme(r, [_shape([[5, 5], [30, 5], [30, 30]])], imageHeight="tall"),
        "labelme-escaping-path": lambda r: _labelme(r, [], imagePath="../../../../etc/passwd"),
        "labelme-image-data-garbage": lambda r: _labelme(r, [], imageData="!!!not base64!!!"),
        "labelme-image-data-bomb": lambda r: _labelme(r, [], imageData=_b64(png_claiming(20_000, 10_000))),
        "labelme-image-data-eps": lambda r: _labelme(r, [], imageData=_b64(EPS)),
        "labelme-mask-bomb": lambda r: _labelme(
            r, [_shape([[0, 0], [10, 10]], shape_type="mask", mask=_b64(png_claiming(20_000, 10_000)))]
        ),
        "labelme-mask-garbage": lambda r: _labelme(r, [_shape([[0, 0], [10, 10]], shape_type="mask", mask="%%%")]),
        "labelme-circle-huge": lambda r: _labelme(r, [_shape([[5, 5], [1e300, 1e300]], shape_type="circle")]),
        "labelme-label-not-string": lambda r: _labelme(r, [{"label": ["x"], "points": [[1, 1], [5, 1], [5, 5]]}]),
    }


def _cvat(root: Path, body: str, image: bytes | None = None) -> None:
    document = body if body.startswith("<?xml") else f"<annotations>{body}</annotations>"
    _write(root / "annotations.xml", document)
    _write(root / "images" / "a.png", image if image is not None else encoded("png"))


_LABELS = "<meta><task><labels><label><name>thing</name></label></labels></task></meta>"


def _cvat_image(shapes: str, width: Any = WIDTH, height: Any = HEIGHT, name: str = "a.png") -> str:
    return f'{_LABELS}<image id="0" name="{name}" width="{width}" height="{height}">{shapes}</image>'


def cvat_cases() -> dict[str, Writer]:
    laughs = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;">'
        '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]><annotations>&lol3;</annotations>'
    )
    external = (
        '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><annotations>&e;</annotations>'
    )
    return {
        "cvat-malformed": lambda r: _cvat(r, "<image id='0' name='a.png'"),
        "cvat-laughs": lambda r: _cvat(r, laughs),
        "cvat-external-entity": lambda r: _cvat(r, external),
        "cvat-nan": lambda r: _cvat(r, _cvat_image('<polygon label="thing" points="5,5;nan,5;30,30"/>')),
        "cvat-huge": lambda r: _cvat(r, _cvat_image('<polygon label="thing" points="5,5;1e308,5;1e308,1e308"/>')),
        "cvat-points-garbage": lambda r: _cvat(r, _cvat_image('<polygon label="thing" points="5;x,y,z;;"/>')),
        "cvat-unknown-label": lambda r: _cvat(r, _cvat_image('<polygon label="ghost" points="5,5;30,5;30,30"/>')),
        "cvat-bad-size": lambda r: _cvat(r, _cvat_image("", width="wide", height="-1")),
        "cvat-escaping-name": lambda r: _cvat(r, _cvat_image("", name="../../../../etc/passwd")),
        "cvat-mask-absurd": lambda r: _cvat(
            r,
            _cvat_image(
                '<mask label="thing" rle="1, 99999999999, -4" left="0" top="0" width="1000000" height="1000000"/>'
            ),
        ),
        "cvat-mask-garbage": lambda r: _cvat(
            r, _cvat_image('<mask label="thing" rle="a, b" left="x" top="0" width="3" height="3"/>')
        ),
        "cvat-box-huge": lambda r: _cvat(
            r, _cvat_image('<box label="thing" xtl="-1e308" ytl="0" xbr="1e308" ybr="inf"/>')
        ),
    }


def _masks(root: Path, mask: bytes, image: bytes | None = None, classes: str | None = None) -> None:
    _write(root / "train" / "a.png", image if image is not None else encoded("png"))
    _write(root / "train" / "a_mask.png", mask)
    if classes is not None:
        _write(root / "train" / "_classes.csv", classes)


def _mask_png(array: np.ndarray, mode: str | None = None) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(array, mode=mode).save(buffer, format="PNG")
    return buffer.getvalue()


def masks_cases() -> dict[str, Writer]:
    grey = np.zeros((HEIGHT, WIDTH), dtype=np.uint8)
    grey[5:30, 5:30] = 1
    deep = np.full((HEIGHT, WIDTH), 65_535, dtype=np.uint16)
    return {
        "masks-bomb": lambda r: _masks(r, png_claiming(20_000, 10_000)),
        "masks-bomb-real": lambda r: _masks(r, png_bomb(9_000)),
        "masks-wrong-size": lambda r: _masks(r, _mask_png(np.ones((7, 900), dtype=np.uint8))),
        "masks-truncated": lambda r: _masks(r, truncated(_mask_png(grey))),
        "masks-not-png": lambda r: _masks(r, HTML),
        "masks-16-bit-max": lambda r: _masks(r, _mask_png(deep)),
        "masks-colour": lambda r: _masks(r, encoded("png")),
        "masks-classes-garbage": lambda r: _masks(r, _mask_png(grey), classes="Pixel Value, Class\nx, y\n1\n"),
        "masks-bomb-image": lambda r: _masks(r, _mask_png(grey), image=png_claiming(20_000, 10_000)),
    }


def dataset_cases(folder: Path, outside: Path) -> list[Case]:
    cases = []
    for name, (content, why) in coco_cases().items():
        _coco_dataset(folder / name, content)
        cases.append(Case(name, "dataset", folder / name, why))
    writers: dict[str, Writer] = {**yolo_cases(), **labelme_cases(), **cvat_cases(), **masks_cases()}
    for name, write in writers.items():
        write(folder / name)
        cases.append(Case(name, "dataset", folder / name, name.split("-", 1)[1].replace("-", " ")))
    # a dataset folder whose image is a symbolic link out of it
    (outside / "secret.png").write_bytes(encoded("png", seed=9))
    _coco_dataset(folder / "coco-symlink-image", _coco(annotations=[_polygon(SQUARE)]))
    (folder / "coco-symlink-image" / "train" / "a.png").unlink()
    (folder / "coco-symlink-image" / "train" / "a.png").symlink_to(outside / "secret.png")
    cases.append(Case("coco-symlink-image", "dataset", folder / "coco-symlink-image", "image symlinked outside"))
    _yolo_dataset(folder / "yolo-symlink-labels", "0 0.1 0.1 0.5 0.1 0.5 0.5\n")
    labels = folder / "yolo-symlink-labels" / "train" / "labels" / "a.txt"
    labels.unlink()
    (outside / "labels.txt").write_text("0 0.1 0.1 0.5 0.1 0.5 0.5\n")
    labels.symlink_to(outside / "labels.txt")
    cases.append(Case("yolo-symlink-labels", "dataset", folder / "yolo-symlink-labels", "label file symlinked out"))
    # every hostile image as the image of an otherwise valid COCO dataset
    for name, (data, why) in image_cases().items():
        case = f"coco-image-{name}"
        _coco_dataset(folder / case, _coco(images=[{"id": 1, "file_name": name, "width": WIDTH, "height": HEIGHT}],
                                           annotations=[_polygon(SQUARE)]), data, name)  # fmt: skip
        cases.append(Case(case, "dataset", folder / case, f"the dataset's image: {why}"))
    return cases


def generate(root: Path) -> list[Case]:
    """Write the whole corpus under ``root`` (an empty or new folder); its cases, in a stable order."""
    outside = root / "outside"
    for sub in ("images", "archives", "datasets", "outside"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    cases = []
    for name, (data, why) in image_cases().items():
        (root / "images" / name).write_bytes(data)
        cases.append(Case(name, "image", root / "images" / name, why))
    cases += archive_cases(root / "archives", outside)
    cases += dataset_cases(root / "datasets", outside)
    return cases


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit("usage: generate.py OUT")
    for case in generate(Path(sys.argv[1])):
        print(f"{case.kind:8} {case.name:40} {case.why}")
