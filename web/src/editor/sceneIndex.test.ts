import { describe, expect, it } from "vitest";
import { Annotation } from "../api";
import { detailLevel, levelRing } from "./layers";
import { pickAt, sceneIndex } from "./sceneIndex";
import { EditorState, initialState, withAnnotations } from "./state";

function square(id: number, x: number, y: number, size: number): Annotation {
  return {
    id, image_id: 1, category_id: 1, revision: 1, source: "manual", confidence: null, attributes: {},
    author: "anonymous", bbox_xyxy: [x, y, x + size, y + size], area: size * size, iscrowd: false,
    updated_at: "2026-12-01T00:00:00",
    geometry: { type: "polygon", parts: [{ exterior: [x, y, x + size, y, x + size, y + size, x, y + size], holes: [] }] },
  };
}

function scene(annotations: Annotation[], more: Partial<EditorState> = {}): EditorState {
  return { ...initialState(1), ...withAnnotations(annotations), ...more };
}

describe("picking through the spatial index", () => {
  it("picks the topmost shown, unlocked annotation under the point among 10,000", () => {
    const grid = Array.from({ length: 10_000 }, (_, i) => square(i + 1, (i % 100) * 20, Math.floor(i / 100) * 20, 15));
    const over = square(20_000, 100, 100, 50); // last in the list: drawn on top
    const s = scene([...grid, over]);
    expect(pickAt(s, [105, 105])?.id).toBe(20_000);
    expect(pickAt(s, [1985, 1985])?.id).toBe(10_000);
    expect(pickAt(s, [17, 17])).toBeUndefined(); // between squares
    expect(pickAt({ ...s, locked: new Set([20_000]) }, [105, 105])?.id).toBe(5 * 100 + 5 + 1);
    expect(pickAt({ ...s, hidden: new Set([20_000]) }, [105, 105])?.id).toBe(506);
    expect(sceneIndex(s)).toBe(sceneIndex({ ...s, selected: 3 })); // built once per change of the annotations
  });
});

describe("level of detail", () => {
  it("simplifies rings only when zoomed out, and winds exteriors and holes opposite ways", () => {
    expect(detailLevel(2)).toBe(-1);
    expect(detailLevel(0.5)).toBe(1);
    expect(detailLevel(0.1)).toBe(4);
    const circle = Array.from({ length: 200 }, (_, i): [number, number] => [
      100 + 50 * Math.cos((2 * Math.PI * i) / 200), 100 + 50 * Math.sin((2 * Math.PI * i) / 200),
    ]);
    const coarse = levelRing(circle, 4, true);
    expect(coarse.length).toBeLessThan(40);
    expect(coarse.length).toBeGreaterThan(8);
    expect(levelRing(circle, 0, true)).toHaveLength(200);
    const area = (ring: [number, number][]) =>
      ring.reduce((sum, [x, y], i) => sum + (ring[(i + 1) % ring.length][0] - x) * (ring[(i + 1) % ring.length][1] + y), 0);
    expect(Math.sign(area(levelRing(circle, 0, true)))).toBe(-Math.sign(area(levelRing(circle, 0, false))));
  });
});
