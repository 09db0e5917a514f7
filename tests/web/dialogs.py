"""Answering the page's confirm() dialogs in order, whenever Playwright delivers them."""

from __future__ import annotations


def answer_dialogs(page, *answers: bool) -> list[str]:
    """From now on, the page's next dialogs are accepted (``True``) or dismissed (``False``) in this order; returns
    the list their messages are added to. One handler for them all: with one ``page.once`` per dialog, a dialog
    delivered late (after the next ``once`` was registered, as on a busy machine) ran both handlers and left the next
    dialog to Playwright's default, dismissal."""
    pending = list(answers)
    messages: list[str] = []

    def answer(dialog) -> None:
        messages.append(dialog.message)
        dialog.accept() if pending.pop(0) else dialog.dismiss()

    page.on("dialog", answer)
    return messages
