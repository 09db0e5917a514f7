import { describe, expect, it } from "vitest";
import { attemptNote } from "./JobProgress";

describe("a job's attempt note", () => {
  it("says nothing on a first attempt, or for a kind that does not retry", () => {
    expect(attemptNote({ status: "running", attempts: 1, max_attempts: 3 })).toBeNull();
    expect(attemptNote({ status: "queued", attempts: 0, max_attempts: 3 })).toBeNull();
    expect(attemptNote({ status: "failed", attempts: 1, max_attempts: 1 })).toBeNull();
    expect(attemptNote({ status: "queued" })).toBeNull(); // from a server before attempts
  });

  it("shows a retry waiting and the attempt running", () => {
    expect(attemptNote({ status: "queued", attempts: 1, max_attempts: 3 })).toBe("attempt 1 of 3 failed; waiting to try again");
    expect(attemptNote({ status: "running", attempts: 2, max_attempts: 3 })).toBe("attempt 2 of 3");
    expect(attemptNote({ status: "failed", attempts: 3, max_attempts: 3 })).toBe("attempt 3 of 3");
  });
});
