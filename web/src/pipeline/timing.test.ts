import { describe, expect, it } from "vitest";
import { duration, jobTiming } from "./timing";

const start = "2026-12-01T10:00:00Z";
const at = (seconds: number) => Date.parse(start) + seconds * 1000;

describe("job timing", () => {
  it.each([[0, "0:00"], [65, "1:05"], [760, "12:40"], [7389, "2:03:09"]])("%i s reads %s", (s, text) => {
    expect(duration(s)).toBe(text);
  });

  it.each([
    [{ status: "queued" }, null, at(5), null],
    [{ status: "running", started_at: start }, null, at(30), "elapsed 0:30"],
    [{ status: "running", started_at: start }, 0.25, at(60), "elapsed 1:00 · about 3:00 left"],
    [{ status: "succeeded", started_at: start, finished_at: "2026-12-01T10:04:20Z" }, 1, at(999), "took 4:20"],
  ])("%j at %s done", (job, share, now, expected) => {
    expect(jobTiming(job, share, now)).toBe(expected);
  });
});
