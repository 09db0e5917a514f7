"""Run by the SDK's own venv (.venv-sdk): one ``inference-sdk`` call against a live ``seglab serve``.

Usage: ``python sdk_infer.py URL MODEL_ID IMAGE``; prints the answer as JSON.
"""

import json
import sys
import warnings

from inference_sdk import InferenceConfiguration, InferenceHTTPClient

warnings.simplefilter("ignore")
url, model_id, image = sys.argv[1:4]
client = InferenceHTTPClient(api_url=url, api_key="local-key")
client.configure(InferenceConfiguration(confidence_threshold=0.0))
print(json.dumps(client.infer(image, model_id=model_id)))
