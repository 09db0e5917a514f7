"""``seglab agent``: plan, follow up in the same workflow's conversation, save, write the definition."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from seglab.cli import app

runner = CliRunner()


def test_plan_then_follow_up_and_save(seglab_home, tmp_path):
    first = runner.invoke(app, ["agent", "segment with segment anything and draw masks", "--workflow", "shapes"])
    assert first.exit_code == 0, first.output
    assert "a workflow of 2 steps: segment_anything → mask_visualization  [offline, workflow 'shapes']" in first.output
    assert "+ mask_visualization (roboflow_core/mask_visualization@v1): Draw instance masks" in first.output
    assert '+      "name": "mask_visualization",' in first.output

    out = tmp_path / "shapes.json"
    second = runner.invoke(app, ["agent", "count them", "--workflow", "shapes", "--save", "--out", str(out), "--json"])
    assert second.exit_code == 0, second.output
    answer = json.loads(second.output)
    assert answer["saved"] is True
    assert answer["summary"] == "added count"
    assert [s["change"] for s in answer["steps"]] == ["unchanged", "unchanged", "added"]
    assert json.loads(out.read_text()) == answer["definition"]

    shown = runner.invoke(app, ["workflow", "show", "shapes"])
    assert json.loads(shown.output) == answer["definition"]
    again = runner.invoke(app, ["agent", "draw boxes", "--workflow", "shapes", "--new", "--json"])
    assert json.loads(again.output)["before"] == answer["definition"], "--new starts over from the saved workflow"


def test_a_request_it_cannot_plan_exits_with_the_reason(seglab_home):
    result = runner.invoke(app, ["agent", "draw masks"])  # nothing named to look for, and no model
    assert result.exit_code == 1
    assert "error: there is no trained model to segment with" in result.output
