// How to call a deployed model from elsewhere: Roboflow's inference-sdk, curl, and seglab's own CLI.

import type { TrainedModel } from "../api";

/** The id to call a model by: `project/version` when it is the newest model of its version (that is what the
 * name resolves to), else its number. */
export function modelReference(model: TrainedModel, models: TrainedModel[]): string {
  const newest = Math.max(...models.filter((m) => m.version === model.version).map((m) => m.id));
  return newest === model.id ? model.version : String(model.id);
}

export function sdkSnippet(origin: string, modelId: string, confidence: number): string {
  return [
    "from inference_sdk import InferenceConfiguration, InferenceHTTPClient",
    "",
    `client = InferenceHTTPClient(api_url="${origin}", api_key="unused")`,
    `client.configure(InferenceConfiguration(confidence_threshold=${confidence}))`,
    `result = client.infer("image.jpg", model_id="${modelId}")`,
    'for prediction in result["predictions"]:',
    '    print(prediction["class"], prediction["confidence"], len(prediction["points"]))',
  ].join("\n");
}

export function curlSnippet(origin: string, modelId: string, confidence: number): string {
  const body = `{"model_id": "${modelId}", "confidence": ${confidence}, "image": {"type": "base64", "value": "'"$(base64 -w0 image.jpg)"'"}}`;
  return [
    `curl -s -X POST ${origin}/infer/instance_segmentation \\`,
    "  -H 'Content-Type: application/json' \\",
    `  -d '${body}'`,
  ].join("\n");
}

export function cliSnippet(modelId: string, confidence: number): string {
  return `seglab predict ${modelId} image.jpg --confidence ${confidence} --visualize --out predictions/`;
}
