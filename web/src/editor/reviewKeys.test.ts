import { describe, expect, it } from "vitest";
import { ACTIONS, actionFor } from "./actions";

const press = (key: string, shift = false) => actionFor({ key, ctrlKey: false, metaKey: false, shiftKey: shift })?.id;

describe("review shortcuts", () => {
  it("Shift+Enter submits while Enter still finishes a shape; A approves, R opens the reject comment", () => {
    expect(press("Enter")).toBe("complete");
    expect(press("Enter", true)).toBe("submit-review");
    expect(press("a")).toBe("approve");
    expect(press("r")).toBe("reject");
  });

  it("leaves every key to one action", () => {
    const names = ACTIONS.flatMap((a) =>
      a.keys.flatMap((k) => (k.shift === undefined ? [false, true] : [k.shift]).map((s) => `${k.mod ? "mod+" : ""}${s ? "shift+" : ""}${k.key}`)),
    );
    expect(new Set(names).size).toBe(names.length);
  });
});
