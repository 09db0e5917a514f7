import { describe, expect, it } from "vitest";
import { frameAt, frameMark, FrameStrip, StripFrame } from "./video";

const frame = (image_id: number, change: Partial<StripFrame> = {}): StripFrame => ({
  image_id, frame_index: image_id - 10, status: "unannotated", annotations: 0, pending: 0, ...change,
});

describe("the frame strip", () => {
  const strip = { frames: [frame(10), frame(11), frame(12)] } as FrameStrip;

  it("steps to the neighbouring frame, and to nothing past either end", () => {
    expect(frameAt(strip, 11, 1)).toBe(12);
    expect(frameAt(strip, 11, -1)).toBe(10);
    expect(frameAt(strip, 12, 1)).toBeNull();
    expect(frameAt(strip, 10, -1)).toBeNull();
    expect(frameAt(strip, 99, 1)).toBeNull(); // not a frame of this video
  });

  it("marks reviewed frames, then frames with proposals to review, then annotated ones", () => {
    expect(frameMark(frame(1))).toBe("empty");
    expect(frameMark(frame(1, { annotations: 2 }))).toBe("annotated");
    expect(frameMark(frame(1, { annotations: 2, pending: 1 }))).toBe("pending");
    expect(frameMark(frame(1, { annotations: 2, pending: 1, status: "reviewed" }))).toBe("reviewed");
    expect(frameMark(frame(1, { status: "null" }))).toBe("reviewed"); // reviewed as holding no object
  });
});
