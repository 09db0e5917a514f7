import { describe, expect, it } from "vitest";
import { pointInShape, ringFromFlat, Shape } from "./geometry";
import {
  area, brushStroke, clipToImage, findEdge, findVertex, removeVertex, replaceRing, ringAt, subtract, translateShapes,
  unite,
} from "./shapes";

const square = (x: number, y: number, size: number): Shape => ({
  exterior: ringFromFlat([x, y, x + size, y, x + size, y + size, x, y + size]),
  holes: [],
});
const inside = (shapes: Shape[], x: number, y: number) => shapes.some((shape) => pointInShape([x, y], shape));

describe("boolean edits", () => {
  it("cuts a hole when the eraser stays inside a part", () => {
    const result = subtract([square(0, 0, 10)], [square(4, 4, 2)]);
    expect(result).toHaveLength(1);
    expect(result[0].holes).toHaveLength(1);
    expect(area(result)).toBeCloseTo(96);
    expect(inside(result, 5, 5)).toBe(false);
    expect(inside(result, 1, 1)).toBe(true);
  });

  it("splits a part in two when the eraser crosses it", () => {
    const result = subtract([square(0, 0, 10)], [{ exterior: ringFromFlat([4, -1, 6, -1, 6, 11, 4, 11]), holes: [] }]);
    expect(result).toHaveLength(2);
    expect(area(result)).toBeCloseTo(80);
  });

  it("merges overlapping paint and keeps separate paint as another part", () => {
    expect(unite([square(0, 0, 10)], [square(5, 5, 10)])).toHaveLength(1);
    expect(area(unite([square(0, 0, 10)], [square(5, 5, 10)]))).toBeCloseTo(175);
    const two = unite([square(0, 0, 10)], [square(20, 0, 5)]);
    expect(two).toHaveLength(2);
    expect(inside(two, 22, 2)).toBe(true);
  });

  it("fills a hole when painting over it", () => {
    const holed = subtract([square(0, 0, 10)], [square(4, 4, 2)]);
    const filled = unite(holed, [square(3, 3, 4)]);
    expect(filled[0].holes).toHaveLength(0);
    expect(area(filled)).toBeCloseTo(100);
  });

  it("erasing everything leaves nothing", () => {
    expect(subtract([square(0, 0, 10)], [square(-1, -1, 12)])).toEqual([]);
  });

  it("gives open rings (the API closes them implicitly)", () => {
    const [shape] = unite([square(0, 0, 10)], [square(5, 5, 10)]);
    expect(shape.exterior[0]).not.toEqual(shape.exterior[shape.exterior.length - 1]);
  });
});

describe("clipToImage", () => {
  it("keeps what lies inside the image, holes included, and drops what lies outside", () => {
    const holed: Shape = { ...square(0, 0, 10), holes: [square(2, 2, 2).exterior] };
    const clipped = clipToImage([holed, square(20, 20, 5)], 8, 8);
    expect(clipped).toHaveLength(1);
    expect(clipped[0].holes).toHaveLength(1);
    expect(area(clipped)).toBeCloseTo(64 - 4);
    expect(clipToImage([square(20, 20, 5)], 8, 8)).toEqual([]);
  });
});

describe("brush", () => {
  it("covers a disc at a click and a capsule along a drag", () => {
    const dot = brushStroke([[50, 50]], 10);
    expect(area(dot)).toBeGreaterThan(0.97 * Math.PI * 100);
    expect(area(dot)).toBeLessThan(Math.PI * 100);
    const line = brushStroke([[0, 0], [100, 0]], 5);
    expect(line).toHaveLength(1);
    expect(inside(line, 50, 4)).toBe(true);
    expect(inside(line, 50, 6)).toBe(false);
    expect(area(line)).toBeGreaterThan(1000 + 70);
  });
});

describe("ring addressing", () => {
  const holed = subtract([square(0, 0, 10)], [square(4, 4, 2)]);
  const shapes = [...holed, square(20, 0, 5)];

  it("finds vertices on holes and on every part", () => {
    expect(findVertex(shapes, [4.2, 4.1], 1)).toMatchObject({ part: 0, hole: 0 });
    expect(findVertex(shapes, [25, 5], 1)).toMatchObject({ part: 1, hole: -1 });
    expect(findVertex(shapes, [15, 15], 1)).toBeNull();
  });

  it("finds the edge to insert a vertex on", () => {
    const hit = findEdge(shapes, [22.5, -0.5], 1)!;
    expect(hit).toMatchObject({ part: 1, hole: -1 });
    expect(hit.at).toEqual([22.5, 0]);
    expect(findEdge(shapes, [15, 15], 1)).toBeNull();
  });

  it("replaces one ring and leaves the others", () => {
    const moved = replaceRing(shapes, { part: 0, hole: 0 }, ringFromFlat([3, 3, 5, 3, 5, 5]));
    expect(ringAt(moved, { part: 0, hole: 0 })).toHaveLength(3);
    expect(moved[1]).toBe(shapes[1]);
  });

  it("removing a vertex of a triangle removes its hole, or its part", () => {
    const triangle = replaceRing(shapes, { part: 0, hole: 0 }, ringFromFlat([3, 3, 5, 3, 5, 5]));
    expect(removeVertex(triangle, { part: 0, hole: 0, index: 0 })[0].holes).toHaveLength(0);
    const smallPart = replaceRing(shapes, { part: 1, hole: -1 }, ringFromFlat([20, 0, 25, 0, 25, 5]));
    expect(removeVertex(smallPart, { part: 1, hole: -1, index: 0 })).toHaveLength(1);
    expect(removeVertex(shapes, { part: 1, hole: -1, index: 0 })[1].exterior).toHaveLength(3);
  });

  it("moves every ring of every part together", () => {
    const moved = translateShapes(shapes, 2, -1);
    expect(moved[0].holes[0][0][0] - shapes[0].holes[0][0][0]).toBe(2);
    expect(moved[1].exterior[0]).toEqual([22, -1]);
  });
});
