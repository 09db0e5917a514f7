"""Requests built to make the planner's regular expressions backtrack: read in time linear in their length.

Before the fix a single 20 000-character word took ``_NAMED_MODEL`` about 40 s (its ``[\\w-]+`` was tried from
every position of the word) and 140 KB froze the server; "a.a.a..." made ``_REFERENCE`` quadratic. The bound
below is a hang detector two orders of magnitude above the linear time, not a speed target.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

HOSTILE = {
    "one long word": '"a" * 20_000',
    "a long hyphenated word": '"a-" * 10_000',
    "dotted tokens": '"a." * 20_000',
    "digits": '"1" * 20_000',
}


@pytest.mark.parametrize("text", HOSTILE.values(), ids=HOSTILE.keys())
def test_pathological_requests_are_read_without_backtracking(text):
    code = f"from seglab.agent.intents import read_request; read_request({text})"
    subprocess.run([sys.executable, "-c", code], check=True, timeout=20)


def test_the_patterns_still_find_what_they_did():
    from seglab.agent.intents import read_request

    assert read_request("use my asl model and draw masks").model.words == ("asl",)
    assert read_request("run pets.v2/3 on it").model.reference == "pets.v2/3"
    assert read_request("segment cars with the street-cams model").model.words == ("street-cams",)
