import { describe, expect, it } from "vitest";
import { queueStep } from "./api";

describe("queueStep", () => {
  it("goes to the next image still waiting, keeping the place of one that just left", () => {
    expect(queueStep([1, 2, 3], [1, 3], 2, "next")).toBe(3);
    expect(queueStep([1, 2, 3], [1, 3], 2, "previous")).toBe(1);
  });
  it("wraps around to images that came back, and says when nothing else waits", () => {
    expect(queueStep([1, 2, 3], [1], 3, "next")).toBe(1);
    expect(queueStep([1, 2], [2], 2, "next")).toBeNull();
    expect(queueStep([1, 2], [], 1, "next")).toBeNull();
  });
  it("takes images that joined the queue since it was opened", () => {
    expect(queueStep([1, 2], [2, 5], 2, "next")).toBe(5);
  });
});
