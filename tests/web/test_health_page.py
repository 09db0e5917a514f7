"""The Health page in Chromium: a leak across splits found in brain-tumor-coco plus one copy (saved again as PNG, in
valid), its finding's link opening the grid filtered to exactly those images, the filter's chip clearing it."""

from __future__ import annotations

import pytest
from PIL import Image

from seglab.core import Split
from seglab.services import images, transfer
from seglab.store import Workspace

from ..health.test_health import BRAIN, _encoded, _original

pytestmark = pytest.mark.skipif(not BRAIN.is_dir(), reason=f"{BRAIN} is not here")


def test_a_health_finding_opens_the_grid_on_its_images(page, ws: Workspace, live_server: str) -> None:
    from playwright.sync_api import expect

    transfer.import_dataset(ws, BRAIN, "brain", create_project=True)
    images.update_images(ws, "brain", images.image_ids(ws, "brain"), split=Split.TRAIN)
    with Image.open(_original("y701")) as y701:
        images.add_image_bytes(ws, "brain", "copy-of-701.png", _encoded(y701, "PNG"), split=Split.VALID)

    page.goto(f"{live_server}/projects/brain")
    page.get_by_role("navigation", name="project sections").get_by_role("link", name="Health").click()
    findings = page.get_by_test_id("findings")
    # the first report decodes every image (about 3 s of CPU for 101 images): allow for a busy machine
    expect(findings).to_contain_text("1 group of duplicates split across train/valid/test", timeout=90_000)
    expect(page.get_by_role("img", name="where Tumor instances lie")).to_be_visible()
    findings.locator("[data-kind=split_leaks]").click()

    expect(page.get_by_test_id("image-count")).to_have_text("2 images")
    chip = page.get_by_test_id("ids-filter")
    expect(chip).to_contain_text("2 chosen images")
    chip.click()
    expect(page.get_by_test_id("image-count")).to_have_text("101 images")
