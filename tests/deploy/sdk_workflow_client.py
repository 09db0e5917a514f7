"""Run by the SDK's own venv (.venv-sdk): ``inference-sdk``'s ``run_workflow`` against a live ``seglab serve``.

Usage: ``python sdk_workflow_client.py URL SPEC_JSON SAVED_NAME IMAGE``; prints one JSON object: the outputs of the
definition sent inline, of the saved one (by workspace and id), and the error an invalid definition gets.
"""

import json
import sys
import warnings
from pathlib import Path

from inference_sdk import InferenceHTTPClient
from inference_sdk.http.errors import HTTPCallErrorError

warnings.simplefilter("ignore")
url, spec_path, saved, image = sys.argv[1:5]
specification = json.loads(Path(spec_path).read_text())
client = InferenceHTTPClient(api_url=url, api_key="local-key")
result = {
    "inline": client.run_workflow(specification=specification, images={"image": image}, parameters={"confidence": 0.0}),
    "saved": client.run_workflow(
        workspace_name="any-workspace",
        workflow_id=saved,
        images={"image": [image, image]},
        parameters={"confidence": 0.0},
    ),
    "excluded": client.run_workflow(
        specification=specification, images={"image": image}, parameters={"confidence": 0.0}, excluded_fields=["drawn"]
    ),
}
broken = dict(specification, steps=[dict(specification["steps"][0], type="roboflow_core/nothing@v1")])
try:
    client.run_workflow(specification=broken, images={"image": image})
except HTTPCallErrorError as error:
    result["invalid"] = {"status": error.status_code, "message": error.api_message}
print(json.dumps(result))
