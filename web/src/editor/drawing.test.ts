import { describe, expect, it } from "vitest";
import { Annotation } from "../api";
import { EditorController } from "./controller";
import { drawingEffect, selectedAfterCreate } from "./drawing";
import { initialState, withAnnotations } from "./state";

const annotation = (id: number, category_id: number): Annotation => ({
  id, image_id: 1, category_id, revision: 1, source: "manual", confidence: null, attributes: {},
  author: "anonymous", bbox_xyxy: [0, 0, 10, 10], area: 100, iscrowd: false, updated_at: "2026-12-01T00:00:00",
  geometry: { type: "polygon", parts: [{ exterior: [0, 0, 10, 0, 10, 10, 0, 10], holes: [] }] },
});

describe("what a drawing makes", () => {
  const selected = { ...initialState(1), ...withAnnotations([annotation(7, 1)]), selected: 7 };

  it("is a new annotation in the default mode, even with an annotation selected", () => {
    expect(drawingEffect(selected)).toEqual({ kind: "new" });
  });

  it("adds a part or cuts a hole only when that mode was chosen, and only on what may change", () => {
    expect(drawingEffect({ ...selected, drawMode: "add" })).toMatchObject({ kind: "add", target: { id: 7 } });
    expect(drawingEffect({ ...selected, drawMode: "cut" })).toMatchObject({ kind: "cut", target: { id: 7 } });
    expect(drawingEffect({ ...selected, drawMode: "add", locked: new Set([7]) })).toEqual({ kind: "new" });
    expect(drawingEffect({ ...selected, drawMode: "cut", selected: null })).toBeNull();
  });

  it("leaves a new annotation selected only in add-a-part mode", () => {
    expect(selectedAfterCreate("new", 9)).toBeNull();
    expect(selectedAfterCreate("cut", 9)).toBeNull();
    expect(selectedAfterCreate("add", 9)).toBe(9);
  });
});

describe("the class of new shapes", () => {
  it("does not follow the selection", () => {
    const editor = new EditorController(1, () => undefined);
    editor.store.set({ ...withAnnotations([annotation(7, 2)]), categoryId: 1 });
    editor.select(7);
    expect([editor.state.selected, editor.state.categoryId]).toEqual([7, 1]);
    editor.edits.chooseClass(3);
    expect(editor.state.categoryId).toBe(3);
  });
});

describe("Smart Polygon's hover preview", () => {
  /** An editor on a loaded 100x100 image, on a 100x100 stage at the page's origin, recording its hover asks. */
  function editorWithStage(): { editor: EditorController; hovers: number[][] } {
    const editor = new EditorController(1, () => undefined);
    const hovers: number[][] = [];
    editor.hover = (point) => { hovers.push([...point]); };
    const image = { id: 1, width: 100, height: 100 } as never;
    editor.store.set({ loaded: { image, bitmap: null } as never });
    editor.attach({ clientWidth: 100, clientHeight: 100, getBoundingClientRect: () => ({ left: 0, top: 0 }) } as never);
    return { editor, hovers };
  }
  const at = (x: number, y: number) => ({ clientX: x, clientY: y, button: 0, buttons: 0, shiftKey: false, altKey: false });

  it("is asked where the pointer rests when Smart Polygon is chosen, without another move", async () => {
    const { editor, hovers } = editorWithStage();
    editor.store.set({ embedding: "ready" });
    await editor.pointerMove(at(40, 30));
    expect(hovers).toEqual([]); // the polygon tool previews nothing
    editor.chooseTool("smart");
    await Promise.resolve();
    expect(hovers).toEqual([[40, 30]]);
  });

  it("is not asked once the pointer has left the stage", async () => {
    const { editor, hovers } = editorWithStage();
    editor.store.set({ embedding: "ready" });
    await editor.pointerMove(at(40, 30));
    await editor.pointerLeave();
    editor.chooseTool("smart");
    await Promise.resolve();
    expect(hovers).toEqual([]);
  });
});
