import { describe, expect, it } from "vitest";
import { GAP, layout, OVERSCAN_ROWS, PAGE_SIZE, pagesFor, ROW_HEIGHT, visibleRange } from "./layout";

describe("grid layout", () => {
  it("fits as many columns as the width allows, at least one", () => {
    expect(layout(1000, 10).columns).toBe(5);
    expect(layout(100, 10).columns).toBe(1);
    const grid = layout(1000, 10_000);
    expect(grid.rows).toBe(2000);
    expect(grid.tileWidth * grid.columns + GAP * (grid.columns - 1)).toBeCloseTo(1000);
  });

  it("renders only the rows in view, plus a margin, wherever the grid is scrolled", () => {
    const grid = layout(1000, 10_000);
    const [first, end] = visibleRange(grid, 10_000, 0, 800);
    expect(first).toBe(0);
    expect(end).toBe((Math.ceil(800 / ROW_HEIGHT) + OVERSCAN_ROWS) * 5);
    const [deepFirst, deepEnd] = visibleRange(grid, 10_000, 1000 * ROW_HEIGHT, 800);
    expect(deepFirst).toBe((1000 - OVERSCAN_ROWS) * 5);
    expect(deepEnd - deepFirst).toBeLessThan(60);
    expect(visibleRange(grid, 10_000, 1e9, 800)[1]).toBe(10_000); // scrolled past the end: never beyond it
  });

  it("asks only for the pages that hold those tiles", () => {
    expect(pagesFor(0, 40)).toEqual([0]);
    expect(pagesFor(90, 130)).toEqual([0, 1]);
    expect(pagesFor(9_950, 10_000)).toEqual([99]);
    expect(pagesFor(5, 5)).toEqual([]);
    expect(PAGE_SIZE).toBe(100);
  });
});
