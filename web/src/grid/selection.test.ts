import { describe, expect, it } from "vitest";
import { rangeIds, ticked } from "./selection";

describe("ticking images", () => {
  it("ticks or unticks a run, leaving the rest", () => {
    expect([...ticked(new Set([1, 9]), [2, 3], true)]).toEqual([1, 9, 2, 3]);
    expect([...ticked(new Set([1, 2, 3]), [2, 3], false)]).toEqual([1]);
  });

  it("reads a run of tiles in either direction, or says a page is missing", () => {
    const loaded = [10, 11, 12, 13];
    const idAt = (i: number) => loaded[i];
    expect(rangeIds(3, 1, idAt)).toEqual([11, 12, 13]);
    expect(rangeIds(0, 0, idAt)).toEqual([10]);
    expect(rangeIds(2, 6, idAt)).toBeNull();
  });
});
