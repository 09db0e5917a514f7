import { describe, expect, it } from "vitest";
import definitions from "./fixtures/definitions.json";
import { Catalogue, compatible, type BlockInfo } from "./catalogue";
import {
  Definition, addEntry, connect, duplicateNode, removeEdges, removeNodes, renameNode, sameDefinition, toDefinition, toGraph,
} from "./graph";

// Every definition the Python tests compile (recorded from tests/workflows, tests/agent, tests/autolabel,
// tests/services/test_agent.py and tests/test_cli_agent.py), plus the Workflows page's example.
const corpus = definitions as unknown as Definition[];

describe("graph ↔ definition", () => {
  it("has a corpus", () => expect(corpus.length).toBeGreaterThan(40));

  it.each(corpus.map((definition, index) => [index, definition] as const))(
    "definition %i survives definition → graph → definition → graph", (_, definition) => {
      const graph = toGraph(definition);
      const back = toDefinition(graph);
      expect(sameDefinition(back, definition)).toBe(true);
      expect(back).toEqual(definition);  // even the order of entries and of list items
      expect(toGraph(back)).toEqual(graph);
    },
  );

  it("makes a node per entry and an edge per selector, nested ones included", () => {
    const graph = toGraph(FILTERED);
    expect(graph.nodes.map((n) => n.id)).toEqual(["input:image", "input:least", "step:model", "step:keep", "output:kept"]);
    expect(graph.edges.map((e) => [e.source, e.sourceHandle, e.target, e.path])).toEqual([
      ["input:image", "value", "step:model", "images"],
      ["step:model", "predictions", "step:keep", "predictions"],
      ["input:least", "value", "step:keep", "operations[0].filter_operation.right_operand.operand_name"],
      ["step:keep", "predictions", "output:kept", "selector"],
    ]);
    expect(graph.nodes[2].settings).toEqual({ type: MODEL.type, name: "model", model_id: "cars/1" });
  });
});

const MODEL: BlockInfo = {
  type: "roboflow_core/roboflow_instance_segmentation_model@v1", aliases: ["InstanceSegmentationModel"],
  description: "Instance segmentation", category: "models", outputs: ["predictions", "model_id"],
  output_kinds: [{ name: "predictions", kinds: ["instance_segmentation_prediction"] }, { name: "model_id", kinds: ["roboflow_model_id"] }],
  inputs: [
    { name: "images", kinds: ["image"], per_image: true, steps: false },
    { name: "confidence", kinds: ["float_zero_to_one"], per_image: false, steps: false },
  ],
  manifest_schema: {},
};
const FILTER: BlockInfo = {
  type: "roboflow_core/detections_filter@v1", aliases: [], description: "Filter detections", category: "transformations",
  outputs: ["predictions"], output_kinds: [{ name: "predictions", kinds: ["instance_segmentation_prediction"] }],
  inputs: [{ name: "predictions", kinds: ["instance_segmentation_prediction", "object_detection_prediction"], per_image: true, steps: false }],
  manifest_schema: {},
};
const GATE: BlockInfo = {
  type: "roboflow_core/continue_if@v1", aliases: [], description: "Gate", category: "flow control", outputs: [], output_kinds: [],
  inputs: [{ name: "next_steps", kinds: ["*"], per_image: false, steps: true }], manifest_schema: {},
};
const KINDS = [
  { name: "float_zero_to_one", accepts: ["float_zero_to_one", "float"] },
  { name: "float", accepts: ["float", "float_zero_to_one", "integer"] },
  { name: "image", accepts: ["image"] },
  { name: "instance_segmentation_prediction", accepts: ["instance_segmentation_prediction"] },
  { name: "object_detection_prediction", accepts: ["object_detection_prediction"] },
  { name: "integer", accepts: ["integer"] },
];
const catalogue = new Catalogue([MODEL, FILTER, GATE], KINDS);

const FILTERED: Definition = {
  version: "1.0",
  inputs: [{ type: "WorkflowImage", name: "image" }, { type: "WorkflowParameter", name: "least", kind: [{ name: "float" }] }],
  steps: [
    { type: MODEL.type, name: "model", images: "$inputs.image", model_id: "cars/1" },
    {
      type: FILTER.type, name: "keep", predictions: "$steps.model.predictions",
      operations: [{ type: "DetectionsFilter", filter_operation: { type: "X", right_operand: { operand_name: "$inputs.least" } } }],
    },
  ],
  outputs: [{ type: "JsonField", name: "kept", selector: "$steps.keep.predictions" }],
};

describe("kind checks", () => {
  it("follows the compiler's rule", () => {
    const rules = new Map(KINDS.map((k) => [k.name, k.accepts]));
    expect(compatible(["float"], ["integer"], rules)).toBe(true);
    expect(compatible(["float_zero_to_one"], ["integer"], rules)).toBe(false);
    expect(compatible(["image"], ["*"], rules)).toBe(true);
    expect(compatible(["image"], ["instance_segmentation_prediction"], rules)).toBe(false);
  });

  it("allows only connections whose kinds fit", () => {
    const d = FILTERED;
    expect(catalogue.canConnect(d, "input:image", "value", "step:model", "images")).toBe(true);
    expect(catalogue.canConnect(d, "step:keep", "predictions", "step:model", "images")).toBe(false);
    expect(catalogue.canConnect(d, "input:least", "value", "step:model", "confidence")).toBe(true);
    expect(catalogue.canConnect(d, "step:model", "predictions", "step:keep", "predictions")).toBe(true);
    expect(catalogue.canConnect(d, "step:model", "model_id", "step:keep", "predictions")).toBe(false);
    expect(catalogue.canConnect(d, "step:model", "predictions", "step:model", "images")).toBe(false);  // onto itself
    expect(catalogue.canConnect(d, "step:model", "predictions", "step:model", "model_id")).toBe(false);  // literal only
    expect(catalogue.canConnect(d, "step:keep", "predictions", "output:kept", "selector")).toBe(true);
  });

  it("offers a field the compatible upstream outputs and inputs", () => {
    expect(catalogue.compatibleSources(FILTERED, "step:model", "images")).toEqual(["$inputs.image"]);
    expect(catalogue.compatibleSources(FILTERED, "step:keep", "predictions")).toEqual(["$steps.model.predictions"]);
    const gated = addEntry(FILTERED, "step", { type: GATE.type, name: "gate", next_steps: [] });
    expect(catalogue.compatibleSources(gated, "step:gate", "next_steps")).toEqual(["$steps.model", "$steps.keep"]);
    expect(connect(gated, "step:keep", "step", "step:gate", "next_steps").steps[2].next_steps).toEqual(["$steps.keep"]);
  });

  it("groups and searches the palette", () => {
    expect(catalogue.categories().map(([name, blocks]) => [name, blocks.length])).toEqual([["models", 1], ["transformations", 1], ["flow control", 1]]);
    expect(catalogue.categories("filter")).toEqual([["transformations", [FILTER]]]);
  });
});

describe("edits", () => {
  it("removes a node with the selectors pointing at it", () => {
    const next = removeNodes(FILTERED, ["step:model"]);
    expect(next.steps.map((s) => s.name)).toEqual(["keep"]);
    expect(next.steps[0].predictions).toBeUndefined();
    expect(next.outputs[0].selector).toBe("$steps.keep.predictions");
    expect(removeNodes(FILTERED, ["step:keep"]).outputs[0].selector).toBeUndefined();
  });

  it("removes an edge, duplicates and renames nodes", () => {
    const cut = removeEdges(FILTERED, [{ id: "step:keep|predictions" }]);
    expect(cut.steps[1].predictions).toBeUndefined();
    const { definition, id } = duplicateNode(FILTERED, "step:keep");
    expect(id).toBe("step:keep_2");
    expect(definition.steps[2]).toEqual({ ...FILTERED.steps[1], name: "keep_2" });
    const renamed = renameNode(FILTERED, "step:model", "segmenter");
    expect(renamed.steps[0].name).toBe("segmenter");
    expect(renamed.steps[1].predictions).toBe("$steps.segmenter.predictions");
    expect(renameNode(FILTERED, "input:image", "picture").steps[0].images).toBe("$inputs.picture");
  });

  it("connects into a field, replacing what was there", () => {
    const two = addEntry(FILTERED, "input", { type: "WorkflowImage", name: "other" });
    expect(connect(two, "input:other", "value", "step:model", "images").steps[0].images).toBe("$inputs.other");
  });
});

describe("layout", () => {
  it("lays the graph out left to right, along the selectors", async () => {
    const { layout } = await import("./layout");
    const at = layout(toGraph(FILTERED), () => 3);
    expect(Object.keys(at).sort()).toEqual(["input:image", "input:least", "output:kept", "step:keep", "step:model"]);
    expect(at["input:image"].x).toBeLessThan(at["step:model"].x);
    expect(at["step:model"].x).toBeLessThan(at["step:keep"].x);
    expect(at["step:keep"].x).toBeLessThan(at["output:kept"].x);
  });
});
