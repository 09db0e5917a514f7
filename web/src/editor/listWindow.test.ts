import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { Annotation } from "../api";
import { AnnotationList } from "./AnnotationList";
import { rowWindow, scrollToRow } from "./listWindow";

describe("the annotation list's window", () => {
  it("renders the rows in view and a few either side", () => {
    expect(rowWindow(0, 480, 28, 10_000)).toEqual([0, 28]);
    expect(rowWindow(28 * 5000, 480, 28, 10_000)).toEqual([4990, 5028]);
    expect(rowWindow(28 * 9990, 480, 28, 10_000)).toEqual([9980, 10_000]);
    expect(rowWindow(0, 480, 28, 3)).toEqual([0, 3]);
  });

  it("scrolls a row into view only when it is out of view", () => {
    expect(scrollToRow(0, 480, 28, 5)).toBe(0);
    expect(scrollToRow(0, 480, 28, 100)).toBe(101 * 28 - 480);
    expect(scrollToRow(28 * 50, 480, 28, 10)).toBe(280);
  });

  it("renders only a screenful of 10,000 annotations", () => {
    const annotations: Annotation[] = Array.from({ length: 10_000 }, (_, i) => ({
      id: i + 1, image_id: 1, category_id: 1, revision: 1, source: i % 2 ? "import" : "model:3", confidence: null,
      attributes: {}, author: "a", bbox_xyxy: [0, 0, 1, 1], area: 1, iscrowd: false, updated_at: "2026-12-01T00:00:00",
      geometry: { type: "polygon", parts: [] },
    }));
    const html = renderToStaticMarkup(createElement(AnnotationList, {
      annotations, categories: [{ id: 1, name: "cell", color: "#e6194b" }] as never, selected: null, hovered: null,
      hidden: new Set<number>(), locked: new Set<number>(), onSelect: () => undefined, onHover: () => undefined,
      onToggleHidden: () => undefined, onToggleLocked: () => undefined,
    }));
    expect(html.match(/<li /g)?.length).toBeLessThan(60);
    expect(html).toContain("model #3");
    expect(html).toContain(`height:${10_000 * 28}px`);
  });
});
