import { describe, expect, it } from "vitest";
import {
  insertVertex, nearestEdge, nearestVertex, pointInShape, ringFromFlat, ringToFlat, toImage, toScreen,
  zoomAt,
} from "./geometry";

const square = ringFromFlat([0, 0, 10, 0, 10, 10, 0, 10]);

describe("geometry", () => {
  it("round-trips flat coordinates", () => {
    expect(ringToFlat(square)).toEqual([0, 0, 10, 0, 10, 10, 0, 10]);
  });

  it("knows inside from outside, holes included", () => {
    const shape = { exterior: square, holes: [ringFromFlat([4, 4, 6, 4, 6, 6, 4, 6])] };
    expect(pointInShape([2, 2], shape)).toBe(true);
    expect(pointInShape([5, 5], shape)).toBe(false);
    expect(pointInShape([12, 5], shape)).toBe(false);
  });

  it("finds vertices and edges, inserts vertices", () => {
    expect(nearestVertex([9.5, 0.4], square, 2)).toBe(1);
    expect(nearestVertex([5, 5], square, 2)).toBe(-1);
    const [edge, projected] = nearestEdge([5, -1], square);
    expect(edge).toBe(0);
    expect(projected).toEqual([5, 0]);
    expect(insertVertex(square, 0, [5, 0])).toHaveLength(5);
  });

  it("maps screen and image coordinates, zooming about the cursor", () => {
    const view = { zoom: 2, offset: [10, 20] as [number, number] };
    expect(toImage(toScreen([3, 4], view), view)).toEqual([3, 4]);
    const zoomed = zoomAt(view, [50, 60], 2);
    expect(toImage([50, 60], zoomed)).toEqual(toImage([50, 60], view));
  });
});
