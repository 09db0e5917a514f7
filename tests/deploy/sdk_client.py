"""Run by the SDK's own venv (.venv-sdk): Roboflow's ``inference-sdk`` against a live ``seglab serve``, unchanged.

Usage: ``python sdk_client.py URL MODEL_ID IMAGE [IMAGE...]``; prints one JSON object with what each call returned.
"""

import json
import sys
import warnings

from inference_sdk import InferenceConfiguration, InferenceHTTPClient
from inference_sdk.http.errors import HTTPCallErrorError

warnings.simplefilter("ignore")
url, model_id, images = sys.argv[1], sys.argv[2], sys.argv[3:]
client = InferenceHTTPClient(api_url=url, api_key="local-key")
client.configure(InferenceConfiguration(confidence_threshold=0.0))
result = {"info": client.get_server_info().__dict__}
result["v1"] = client.infer(images[0], model_id=model_id)
result["v1_batch"] = client.infer(images, model_id=model_id)
result["registry"] = [m.__dict__ for m in client.list_loaded_models().models]
client.select_api_v0()
result["v0"] = client.infer(images[0], model_id=model_id)
client.select_api_v1()
try:
    client.infer(images[0], model_id="squares/99")
except HTTPCallErrorError as error:
    result["unknown_model"] = {"status": error.status_code, "message": error.api_message}
client.unload_model(model_id=model_id)
result["after_unload"] = [m.__dict__ for m in client.list_loaded_models().models]
print(json.dumps(result))
