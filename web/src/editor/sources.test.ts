import { describe, expect, it } from "vitest";
import { sourceName } from "./sources";

describe("sourceName", () => {
  it.each([
    ["manual", "drawn"],
    ["assist:smart-polygon", "Smart Polygon"],
    ["assist:sam", "Smart Polygon"],
    ["model:3", "model #3"],
    ["model:owlv2", "model (owlv2)"],
    ["import", "imported"],
    ["propagate:sam2", "propagated"],
    ["propagate:interpolate", "interpolated"],
    ["workflow:detect", "workflow (detect)"],
    ["something-new", "something-new"],
  ])("%s reads %s", (source, shown) => {
    expect(sourceName(source)).toBe(shown);
  });
});
