"""How an instance's shape is stored: a small JSON document, polygons or RLE."""

from __future__ import annotations

from typing import Any

from seglab.geometry import MultiPolygon, Polygon, Rle, Segmentation


def segmentation_to_json(segmentation: Segmentation) -> dict[str, Any]:
    if isinstance(segmentation, Rle):
        return {"type": "rle", **segmentation.to_coco()}
    return {
        "type": "polygon",
        "parts": [
            {"exterior": part.exterior.ravel().tolist(), "holes": [hole.ravel().tolist() for hole in part.holes]}
            for part in segmentation.parts
        ],
    }


def segmentation_from_json(data: dict[str, Any]) -> Segmentation:
    """Inverse of :func:`segmentation_to_json`; raises ``ValueError`` on malformed documents."""
    kind = data.get("type")
    if kind == "rle":
        return Rle.from_coco(data)
    if kind == "polygon":
        parts = data.get("parts")
        if not isinstance(parts, list) or not parts:
            raise ValueError("polygon geometry needs a non-empty 'parts' list")
        return MultiPolygon(
            tuple(
                Polygon.from_flat(part["exterior"], part.get("holes", []), what=f"part {index}")
                for index, part in enumerate(parts)
            )
        )
    raise ValueError(f"geometry 'type' must be 'polygon' or 'rle', got {kind!r}")
