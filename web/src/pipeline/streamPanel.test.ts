import { describe, expect, it } from "vitest";
import { parseParameters, streamCounts } from "./StreamPanel";

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

describe("a running stream's counts", () => {
  it("say what was dropped, how fast and how late", () => {
    const live = { decoded: 120, inferred: 90, dropped: 30, fps: 14.96, latency_ms: { p50: 41.6 }, gaps: 1 };
    expect(streamCounts(live)).toBe(
      "90 frames inferred of 120 decoded · 30 dropped · 15.0 FPS · latency 42 ms · 1 gap",
    );
  });

  it("start from nothing before the first frame", () => {
    expect(streamCounts({})).toBe("0 frames inferred of 0 decoded · 0 dropped · 0.0 FPS · 0 gaps");
  });
});
