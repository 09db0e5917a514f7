import { describe, expect, it } from "vitest";
import { definitionLines, lineDiff, withContext } from "./lineDiff";

const kinds = (lines: { kind: string; text?: string }[]) => lines.map((l) => `${l.kind[0]} ${l.text ?? ""}`.trim());

describe("lineDiff", () => {
  it("keeps common lines and marks removals before additions", () => {
    expect(kinds(lineDiff(["a", "b", "c"], ["a", "x", "c", "d"]))).toEqual(["s a", "r b", "a x", "s c", "a d"]);
  });

  it("treats everything as added when there was nothing, and as removed when nothing is left", () => {
    expect(kinds(lineDiff([], ["a", "b"]))).toEqual(["a a", "a b"]);
    expect(kinds(lineDiff(["a"], []))).toEqual(["r a"]);
    expect(lineDiff([], [])).toEqual([]);
  });

  it("finds the longest common run rather than the first match", () => {
    const diff = lineDiff(["x", "a", "b", "c"], ["a", "b", "c", "x"]);
    expect(diff.filter((l) => l.kind === "same").map((l) => l.text)).toEqual(["a", "b", "c"]);
  });

  it("shows a changed model id in a definition as one line out, one line in", () => {
    const before = { steps: [{ name: "model", model_id: "cars/1" }] };
    const after = { steps: [{ name: "model", model_id: "asl/2" }] };
    const changed = lineDiff(definitionLines(before), definitionLines(after)).filter((l) => l.kind !== "same");
    expect(changed).toEqual([
      { kind: "removed", text: '      "model_id": "cars/1"' },
      { kind: "added", text: '      "model_id": "asl/2"' },
    ]);
  });
});

describe("withContext", () => {
  it("folds long unchanged runs, keeping context lines around changes", () => {
    const before = ["1", "2", "3", "4", "5", "6", "7", "8"];
    const after = ["1", "2", "3", "4", "5", "6", "7", "X"];
    const hunks = withContext(lineDiff(before, after), 2);
    expect(hunks[0]).toEqual({ kind: "skipped", count: 5 });
    expect(kinds(hunks.slice(1) as { kind: string; text: string }[])).toEqual(["s 6", "s 7", "r 8", "a X"]);
  });

  it("keeps everything when all lines are near a change", () => {
    expect(withContext(lineDiff(["a"], ["b"]))).toHaveLength(2);
  });
});
