"""Opening a page's folded sections (``<details>``) as a person does: a click on its summary."""

from __future__ import annotations


def unfold(page, summary: str) -> None:
    """Open the section whose summary reads ``summary``. A summary that data arriving above it moved just as it was
    clicked is clicked again, as a person would (the click toggles the section at once, so a miss shows at once)."""
    from playwright.sync_api import expect

    section = page.locator("details").filter(has=page.locator("summary", has_text=summary))
    for _ in range(3):
        if section.evaluate("details => details.open"):
            break
        section.locator("summary").click()
    expect(section).to_have_attribute("open", "")
