"""Run by the SDK's own venv (.venv-sdk): Roboflow's ``inference-sdk``, unchanged, against a ``seglab serve`` with
accounts on. Usage: ``python sdk_auth_client.py URL MODEL_ID KEY IMAGE``; prints one JSON object: what each
transport answered with ``KEY``, and the status of each with a wrong key."""

import json
import sys
import warnings

from inference_sdk import InferenceHTTPClient
from inference_sdk.http.errors import HTTPCallErrorError

warnings.simplefilter("ignore")
url, model_id, key, image = sys.argv[1:5]


def run(api_key: str, v0: bool) -> dict:
    client = InferenceHTTPClient(api_url=url, api_key=api_key)
    if v0:
        client.select_api_v0()  # the key in the query string
    try:
        answer = client.infer(image, model_id=model_id)  # v1: in the JSON bodies (and the registry's query)
    except HTTPCallErrorError as error:
        return {"status": error.status_code, "message": error.api_message}
    return {"status": 200, "predictions": len(answer["predictions"]), "image": answer["image"]}


print(
    json.dumps(
        {
            "v1": run(key, v0=False),
            "v0": run(key, v0=True),
            "v1_wrong": run(key[:-2] + "xx", v0=False),
            "v0_wrong": run(key[:-2] + "xx", v0=True),
        }
    )
)
