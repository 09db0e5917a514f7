"""`python -m seglab.server.openapi_dump OUT` writes the schema the web build generates its TypeScript types from:
the one the app serves, with the shapes the web app relies on documented, and without touching SEGLAB_HOME."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from seglab.server import openapi_dump


def test_the_dump_is_the_schema_the_app_serves(client, tmp_path):
    out = tmp_path / "generated" / "openapi.json"
    assert openapi_dump.main([str(out)]) == 0
    assert json.loads(out.read_text()) == client.get("/openapi.json").json()


def test_the_dump_documents_what_the_web_app_reads(tmp_path):
    schema = openapi_dump.openapi_schema()
    components = schema["components"]["schemas"]
    geometry = components["AnnotationOut"]["properties"]["geometry"]
    assert [variant["properties"]["type"]["const"] for variant in geometry["oneOf"]] == ["polygon", "rle"]

    def answer(path: str) -> dict:
        return schema["paths"][path]["post"]["responses"]["200"]["content"]["application/json"]["schema"]

    assert answer("/api/v1/workflows/validate") == {"$ref": "#/components/schemas/WorkflowCheck"}
    assert answer("/api/v1/workflows/run") == {"$ref": "#/components/schemas/WorkflowOutputs"}
    infer = answer("/infer/instance_segmentation")["anyOf"]
    assert {"$ref": "#/components/schemas/InferenceAnswer"} in infer
    assert "class" in components["InferencePrediction"]["properties"]  # Roboflow's name, not the Python one


@pytest.mark.slow  # a fresh interpreter imports the whole app (3 s of CPU)
@pytest.mark.new_home
def test_the_dump_runs_as_a_module_and_leaves_seglab_home_alone(seglab_home, tmp_path):
    out = tmp_path / "openapi.json"
    subprocess.run([sys.executable, "-m", "seglab.server.openapi_dump", str(out)], check=True, timeout=300)
    assert json.loads(out.read_text())["info"]["title"] == "seglab"
    assert not seglab_home.exists()


def test_the_dump_without_a_file_says_how_to_call_it(capsys):
    # main() is what the module runs (sys.exit(main(argv))): checked in-process (an interpreter costs ~1.3 s of CPU)
    assert openapi_dump.main([]) == 2
    assert "usage" in capsys.readouterr().err
