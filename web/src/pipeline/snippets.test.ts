import { describe, expect, it } from "vitest";
import type { TrainedModel } from "../api";
import { cliSnippet, curlSnippet, modelReference, sdkSnippet } from "./snippets";

const model = (id: number, version: string) => ({ id, version }) as TrainedModel;

describe("model references", () => {
  it("uses project/version for the newest model of a version, the number otherwise", () => {
    const models = [model(1, "pets/1"), model(2, "pets/1"), model(3, "pets/2")];
    expect(modelReference(models[1], models)).toBe("pets/1");
    expect(modelReference(models[0], models)).toBe("1");
    expect(modelReference(models[2], models)).toBe("pets/2");
  });
});

describe("snippets", () => {
  it("point at this server and model", () => {
    const sdk = sdkSnippet("http://127.0.0.1:8420", "pets/1", 0.4);
    expect(sdk).toContain('InferenceHTTPClient(api_url="http://127.0.0.1:8420"');
    expect(sdk).toContain('client.infer("image.jpg", model_id="pets/1")');
    expect(sdk).toContain("confidence_threshold=0.4");
    const curl = curlSnippet("http://127.0.0.1:8420", "pets/1", 0.25);
    expect(curl).toContain("http://127.0.0.1:8420/infer/instance_segmentation");
    expect(curl).toContain('"model_id": "pets/1", "confidence": 0.25');
    expect(curl).toContain("$(base64 -w0 image.jpg)");
    expect(cliSnippet("7", 0.5)).toBe("seglab predict 7 image.jpg --confidence 0.5 --visualize --out predictions/");
  });
});
