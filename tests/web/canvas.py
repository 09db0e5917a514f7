"""Reading what the editor drew: its stage canvas, pixel by pixel."""

from __future__ import annotations


def stage_pixel(page, x: float, y: float) -> list[int]:
    """The stage canvas's RGBA at page coordinates (the canvas is drawn at one pixel per CSS pixel)."""
    return page.get_by_test_id("stage").evaluate(
        "(canvas, [x, y]) => { const r = canvas.getBoundingClientRect();"
        " return Array.from(canvas.getContext('2d').getImageData(x - r.left, y - r.top, 1, 1).data); }",
        [x, y],
    )
