import { describe, expect, it } from "vitest";
import { parseParameters } from "./StreamPanel";

describe("a stream's workflow parameters", () => {
  it("are a JSON object, or nothing", () => {
    expect(parseParameters("")).toEqual({});
    expect(parseParameters('{"classes": ["car"], "confidence": 0.5}')).toEqual({ classes: ["car"], confidence: 0.5 });
  });

  it("name what is wrong with what was typed", () => {
    expect(() => parseParameters("{classes")).toThrow("workflow parameters: not JSON");
    expect(() => parseParameters("[1]")).toThrow("workflow parameters: a JSON object");
  });
});
