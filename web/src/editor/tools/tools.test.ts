// The tools' state machines against a real store and a host that records what they ask the editor to save
// (the saving itself, against a live server, is what the Playwright tests check).

import { describe, expect, it } from "vitest";
import { Annotation } from "../../api";
import { Point, Shape } from "../geometry";
import { EditorState, initialState, SmartPrompt, withAnnotations } from "../state";
import { Store } from "../store";
import { BrushTool } from "./brush";
import { PolygonTool } from "./polygon";
import { SelectTool } from "./select";
import { SmartTool } from "./smart";
import { PointerInfo, ToolHost } from "./stateNode";

class RecordingHost implements ToolHost {
  readonly store = new Store<EditorState>(initialState(1));
  readonly asked: unknown[][] = [];
  select(id: number | null) { this.store.set({ selected: id }); }
  async commitDrawn(shapes: Shape[], what: string) { this.asked.push(["commitDrawn", shapes, what]); }
  async finishStroke(path: Point[], erase: boolean) { this.asked.push(["finishStroke", path, erase]); }
  async reshape(current: Annotation, result: Shape[], label: string) { this.asked.push(["reshape", current.id, result, label]); }
  async askSmart(points: SmartPrompt["points"], box: number[] | null) { this.asked.push(["askSmart", points, box]); }
  hover(point: Point) { this.asked.push(["hover", point]); }
}

const at = (x: number, y: number, shift = false): PointerInfo => ({ point: [x, y], client: [x, y], shift });

const square: Annotation = {
  id: 7, image_id: 1, category_id: 1, revision: 1, source: "manual", confidence: null, attributes: {},
  author: "anonymous", bbox_xyxy: [0, 0, 100, 100], area: 10000, iscrowd: false, updated_at: "2026-11-30T00:00:00",
  geometry: { type: "polygon", parts: [{ exterior: [0, 0, 100, 0, 100, 100, 0, 100], holes: [] }] },
};

describe("polygon tool", () => {
  it("adds points, closes on the first point, and hands the ring over", async () => {
    const host = new RecordingHost();
    const tool = new PolygonTool(host);
    tool.enter();
    for (const [x, y] of [[0, 0], [50, 0], [50, 50]]) await tool.handle("pointerDown", at(x, y));
    expect(tool.path).toEqual(["drawing"]);
    expect(host.store.get().draft).toHaveLength(3);
    await tool.handle("pointerDown", at(1, 1)); // on the first point
    expect(host.asked).toEqual([["commitDrawn", [{ exterior: [[0, 0], [50, 0], [50, 50]], holes: [] }], "polygon"]]);
    expect(tool.path).toEqual(["idle"]);
    expect(host.store.get().draft).toEqual([]);
  });

  it("drops the draft on cancel and on leaving the tool", async () => {
    const host = new RecordingHost();
    const tool = new PolygonTool(host);
    tool.enter();
    await tool.handle("pointerDown", at(0, 0));
    await tool.handle("cancel");
    expect([tool.path, host.store.get().draft]).toEqual([["idle"], []]);
    await tool.handle("pointerDown", at(0, 0));
    tool.exit();
    expect(host.store.get().draft).toEqual([]);
  });
});

describe("smart tool", () => {
  it("previews on hover only before a prompt; a click asks with a point, a drag with a box", async () => {
    const host = new RecordingHost();
    host.store.set({ embedding: "ready" });
    const tool = new SmartTool(host);
    tool.enter();
    await tool.handle("pointerMove", at(5, 5));
    await tool.handle("pointerDown", at(10, 10));
    await tool.handle("pointerUp", at(11, 10, true));
    expect(tool.path).toEqual(["prompted"]);
    await tool.handle("pointerMove", at(30, 30)); // no hover once prompted
    await tool.handle("pointerDown", at(0, 0));
    await tool.handle("pointerMove", at(40, 20));
    expect(host.store.get().boxDraft).toEqual([[0, 0], [40, 20]]);
    await tool.handle("pointerUp", at(40, 20));
    expect(host.asked).toEqual([
      ["hover", [5, 5]],
      ["askSmart", [{ x: 10, y: 10, label: 0 }], null], // Shift: a point outside
      ["askSmart", [], [0, 0, 40, 20]],
    ]);
  });
});

describe("brush tool", () => {
  it("paints a stroke from press to release, and says whether it erases", async () => {
    const host = new RecordingHost();
    const eraser = new BrushTool(host, true);
    eraser.enter();
    await eraser.handle("pointerMove", at(1, 1));
    expect(host.store.get().cursor).toEqual([1, 1]);
    await eraser.handle("pointerDown", at(2, 2));
    await eraser.handle("pointerMove", at(3, 3));
    expect(host.store.get().stroke).toEqual([[2, 2], [3, 3]]);
    await eraser.handle("pointerUp", at(3, 3));
    expect(host.asked).toEqual([["finishStroke", [[2, 2], [3, 3]], true]]);
    expect([eraser.path, host.store.get().stroke]).toEqual([["idle"], null]);
  });
});

describe("select tool", () => {
  function selected() {
    const host = new RecordingHost();
    host.store.set({ ...withAnnotations([square]), selected: 7 });
    const tool = new SelectTool(host);
    tool.enter();
    return { host, tool };
  }

  it("moves a picked annotation by a drag, but not by a click that wobbles", async () => {
    const { host, tool } = selected();
    await tool.handle("pointerDown", at(50, 50));
    expect(tool.path).toEqual(["translating"]);
    await tool.handle("pointerMove", at(51, 50));
    expect(host.store.get().override).toBeNull();
    await tool.handle("pointerMove", at(70, 50));
    await tool.handle("pointerUp", at(70, 50));
    const [[name, id, result, label]] = host.asked as [string, number, Shape[], string][];
    expect([name, id, label, result[0].exterior[0]]).toEqual(["reshape", 7, "move", [20, 0]]);
    expect([tool.path, host.store.get().override]).toEqual([["idle"], null]);
  });

  it("drags a vertex of the selected annotation", async () => {
    const { host, tool } = selected();
    await tool.handle("pointerDown", at(100, 100));
    expect([tool.path, host.store.get().selectedVertex]).toEqual([["draggingVertex"], { part: 0, hole: -1, index: 2 }]);
    await tool.handle("pointerMove", at(104, 102));
    await tool.handle("pointerUp", at(104, 102));
    const [[, , result, label]] = host.asked as [string, number, Shape[], string][];
    expect([label, result[0].exterior[2]]).toEqual(["move vertex", [104, 102]]);
  });

  it("picks nothing outside every annotation", async () => {
    const { host, tool } = selected();
    await tool.handle("pointerDown", at(150, 150));
    expect([tool.path, host.store.get().selected, host.asked]).toEqual([["idle"], null, []]);
  });
});
