"""Browser tests: Debian's Chromium driven by Playwright (no browser download), against a live ``seglab serve``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from seglab.server.web import STATIC

from ..server.conftest import (
    live_server,  # noqa: F401  (the same live `seglab serve` the API tests use)
    running_server,
)

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]


@pytest.fixture
def page() -> Iterator:
    from playwright.sync_api import sync_playwright

    if not (STATIC / "index.html").is_file():
        pytest.fail("the web app is not built: `make test` builds it (cd web && npm ci && npm run build)")
    if not CHROMIUM.is_file():
        pytest.fail("Chromium is missing: .ci/run installs it (apt-get install -y chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.set_default_timeout(20_000)
        problems: list[str] = []
        page.on("pageerror", lambda error: problems.append(f"uncaught: {error}"))
        page.on("console", lambda message: _console_problem(message, problems))
        yield page
        browser.close()
    assert not problems, "the web app logged errors:\n" + "\n".join(problems)


def _console_problem(message, problems: list[str]) -> None:
    """React's warnings and the app's own errors fail the test; a failed request does not (tests provoke 404s and
    409s on purpose, and the page shows those itself)."""
    if message.type == "error" and not message.text.startswith("Failed to load resource"):
        problems.append(f"console.error: {message.text}")


@pytest.fixture
def working_server(seglab_home: Path) -> Iterator[str]:
    """``seglab serve`` with one background worker, for pages that start jobs (versions, training, evaluation)."""
    with running_server(seglab_home.parent / "serve.log", SEGLAB_WORKERS="1") as url:
        yield url
