import { expect, test } from "vitest";
import { scrollToShow, visibleRange } from "./VirtualRows";

test("only the rows in view, and a few around them, are rendered", () => {
  expect(visibleRange(0, 400, 20, 10_000)).toEqual([0, 28]);
  expect(visibleRange(100_000, 400, 20, 10_000)).toEqual([4992, 5028]);
  expect(visibleRange(199_700, 400, 20, 10_000)).toEqual([9977, 10_000]);
  expect(visibleRange(0, 400, 20, 3)).toEqual([0, 3]);
  expect(visibleRange(0, 400, 20, 0)).toEqual([0, 0]);
});

test("a row out of view is scrolled to; one in view leaves the scroll alone", () => {
  expect(scrollToShow(500, 0, 400, 20)).toBe(500 * 20 + 20 - 400);
  expect(scrollToShow(2, 1000, 400, 20)).toBe(40);
  expect(scrollToShow(55, 1000, 400, 20)).toBe(1000);
});
