"""Every setting is in the README's settings table, under its environment variable."""

from __future__ import annotations

import re
from pathlib import Path

from seglab.settings import Settings


def test_every_setting_is_documented_in_the_readme():
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    table = readme.split("## Settings", 1)[1]
    documented = set(re.findall(r"^\| `(SEGLAB_[A-Z0-9_]+)`", table, flags=re.MULTILINE))
    settings = {f"SEGLAB_{name.upper()}" for name in Settings.model_fields}
    assert settings <= documented, f"undocumented settings: {sorted(settings - documented)}"
