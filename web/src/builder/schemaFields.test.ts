import { describe, expect, it } from "vitest";
import { formFields, parseValue, valueText } from "./schemaFields";
import { snippets } from "./UseIt";

const SELECTOR = { type: "string", pattern: "^\\$(inputs|steps)\\.x$" };

// the shapes pydantic gives seglab's manifests (see GET /api/v1/workflows/blocks)
const SCHEMA = {
  properties: {
    type: { enum: ["a@v1"], type: "string" },
    name: { type: "string" },
    images: SELECTOR,
    model_id: { anyOf: [{ type: "string" }, SELECTOR] },
    confidence: { anyOf: [{ type: "number" }, SELECTOR], default: 0.4, description: "keep above" },
    max_detections: { anyOf: [{ type: "integer" }, SELECTOR], default: 300 },
    class_filter: { anyOf: [{ type: "array", items: { type: "string" } }, SELECTOR, { type: "null" }], default: null },
    color_axis: { anyOf: [{ enum: ["INDEX", "CLASS"], type: "string" }, SELECTOR], default: "CLASS" },
    copy_image: { anyOf: [{ type: "boolean" }, SELECTOR], default: true },
    operations: { items: { $ref: "#/$defs/Operation" }, type: "array" },
  },
  required: ["type", "name", "images", "model_id"],
  $defs: { Operation: { type: "object" } },
};

describe("form fields from a manifest's JSON schema", () => {
  it("gives each field its control, whether it takes a selector, and its default", () => {
    const fields = Object.fromEntries(formFields(SCHEMA).map((f) => [f.name, f]));
    expect(Object.keys(fields)).toEqual(["images", "model_id", "confidence", "max_detections", "class_filter", "color_axis", "copy_image", "operations"]);
    expect(fields.images).toMatchObject({ control: "none", selector: true, required: true });
    expect(fields.model_id).toMatchObject({ control: "string", selector: true, required: true });
    expect(fields.confidence).toMatchObject({ control: "number", selector: true, default: 0.4, description: "keep above" });
    expect(fields.max_detections.control).toBe("integer");
    expect(fields.class_filter.control).toBe("strings");
    expect(fields.color_axis).toMatchObject({ control: "enum", options: ["INDEX", "CLASS"] });
    expect(fields.copy_image.control).toBe("boolean");
    expect(fields.operations).toMatchObject({ control: "json", selector: false });
  });

  it("reads and writes values as text", () => {
    const [, , confidence, , classes] = formFields(SCHEMA);
    expect(parseValue(confidence, "0.25")).toBe(0.25);
    expect(parseValue(confidence, " ")).toBeUndefined();
    expect(parseValue(classes, "car, bus,")).toEqual(["car", "bus"]);
    expect(valueText(classes, ["car", "bus"])).toBe("car, bus");
  });
});

describe("Use it", () => {
  it("runs the saved workflow with its image input and parameters", () => {
    const definition = {
      inputs: [{ type: "WorkflowImage", name: "photo" }, { type: "WorkflowParameter", name: "confidence", default_value: 0.5 }],
      steps: [], outputs: [],
    };
    const [python, curl, cli] = snippets("http://host:8420", "cars", definition);
    expect(python.code).toContain('client.run_workflow(workspace_name="seglab", workflow_id="cars", images={"photo": "photo.jpg"}, parameters={"confidence": 0.5})');
    expect(curl.code).toContain('curl -X POST "http://host:8420/seglab/workflows/cars"');
    expect(cli.code).toBe("seglab workflow run cars --image photo.jpg --param confidence=0.5 --out results/");
  });
});

describe("a run's outputs", () => {
  it("ask for every step's outputs and come back split per step, summarised for the agent", async () => {
    const { withStepOutputs, splitOutputs, runSummary, keptAndDropped } = await import("./inspect");
    const definition = { inputs: [], steps: [{ type: "x", name: "model" }], outputs: [{ type: "JsonField", name: "p", selector: "$steps.model.predictions" }] };
    expect(withStepOutputs(definition).outputs[1]).toEqual({ type: "JsonField", name: "__step__model", selector: "$steps.model.*" });
    const predictions = { image: {}, predictions: [{ class: "car", detection_id: "a" }, { class: "bus", detection_id: "b" }, { class: "car", detection_id: "c" }] };
    const split = splitOutputs({ p: predictions, __step__model: { predictions, drawn: { type: "base64", value: "xx" } } });
    expect(split.outputs).toEqual({ p: predictions });
    expect(runSummary(split.steps)).toEqual({ model: { predictions: { count: 3, classes: { car: 2, bus: 1 } }, drawn: "an image" } });
    const kept = { predictions: [predictions.predictions[0]] };
    expect(keptAndDropped(predictions, kept)).toEqual({ kept: 1, dropped: predictions.predictions.slice(1) });
  });
});
