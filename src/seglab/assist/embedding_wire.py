"""An image embedding as the editor downloads it, and the decoder inputs the editor builds from it and a prompt.

The wire format is one binary body the browser reads without a library: a little-endian ``uint32`` header length,
a JSON header (model, image size, dtype, each array's name, shape and byte offset, the decoder's URL), padded so the
arrays start 8-byte aligned, then the arrays back to back (each padded to 8 bytes). ``float16`` halves the download
(8 MB instead of 16 MB for SAM 2.1) at no visible cost to the mask; ``float32`` is bit-exact.

:func:`decoder_feeds` is the reference for what ``web/src/editor/smartDecoder.ts`` feeds the decoder graph
(:mod:`seglab.assist.browser_decoder`): the tests run the graph on it and compare with the server's answer.
"""

from __future__ import annotations

import json
import struct
from typing import Literal

import numpy as np

from seglab.assist.prompts import Prompt
from seglab.assist.sam import SamEmbedding

WireDtype = Literal["float16", "float32"]
_ALIGN = 8
_ARRAYS = ("image_embed", "high_res_0", "high_res_1")


def _padding(size: int) -> int:
    return -size % _ALIGN


def encode_embedding(embedding: SamEmbedding, model: str, decoder_url: str, dtype: WireDtype = "float16") -> bytes:
    """The embedding's arrays and what the browser needs to use them, as one body."""
    entries, chunks, offset = [], [], 0
    for name in _ARRAYS:
        array = np.ascontiguousarray(embedding.tensors[name], dtype=np.dtype(dtype))
        entries.append({"name": name, "shape": list(array.shape), "offset": offset})
        data = array.tobytes()
        chunks.append(data + bytes(_padding(len(data))))
        offset += len(data) + _padding(len(data))
    header = json.dumps(
        {
            "model": model,
            "image_wh": list(embedding.image_wh),
            "dtype": dtype,
            "arrays": entries,
            "decoder": decoder_url,
        }
    ).encode()
    header += b" " * _padding(4 + len(header))
    return struct.pack("<I", len(header)) + header + b"".join(chunks)


def decode_embedding(body: bytes) -> tuple[dict[str, object], dict[str, np.ndarray]]:
    """The header and the arrays (as float32) of :func:`encode_embedding`'s body."""
    (length,) = struct.unpack_from("<I", body)
    header = json.loads(body[4 : 4 + length])
    start = 4 + length
    arrays = {}
    for entry in header["arrays"]:
        count = int(np.prod(entry["shape"]))
        flat = np.frombuffer(body, dtype=header["dtype"], count=count, offset=start + entry["offset"])
        arrays[entry["name"]] = flat.reshape(entry["shape"]).astype(np.float32)
    return header, arrays


def decoder_feeds(embedding: SamEmbedding, prompt: Prompt) -> dict[str, np.ndarray]:
    """The decoder graph's inputs for ``prompt`` on ``embedding``: box corners first (labels 2 and 3), then clicks;
    the previous answer's logits when refining; ``multimask`` for a lone click (SAM's ambiguous case)."""
    coords, labels = [prompt.points], [prompt.labels.astype(np.float32)]
    if prompt.box is not None:
        coords.insert(0, prompt.box.reshape(2, 2))
        labels.insert(0, np.array([2.0, 3.0], np.float32))
    previous = prompt.previous_logits
    ambiguous = len(prompt.points) == 1 and prompt.box is None and previous is None
    width, height = embedding.image_wh
    return {
        **{name: embedding.tensors[name].astype(np.float32) for name in _ARRAYS},
        "point_coords": np.concatenate(coords).astype(np.float32)[None],
        "point_labels": np.concatenate(labels)[None],
        "mask_input": (np.zeros((256, 256), np.float32) if previous is None else previous)[None, None],
        "has_mask_input": np.array([0.0 if previous is None else 1.0], np.float32),
        "orig_im_size": np.array([height, width], np.float32),
        "multimask": np.array([1.0 if ambiguous else 0.0], np.float32),
    }
