import { describe, expect, it } from "vitest";
import { liveStatus } from "./state";

describe("liveStatus", () => {
  it("follows the annotations on screen as the server does", () => {
    expect(liveStatus("unannotated", 1)).toBe("annotated");
    expect(liveStatus("annotated", 0)).toBe("unannotated");
    expect(liveStatus("null", 2)).toBe("annotated"); // drawing on a null image clears null
    expect(liveStatus("null", 0)).toBe("null");
    expect(liveStatus("reviewed", 0)).toBe("reviewed");
    expect(liveStatus("reviewed", 3)).toBe("reviewed");
  });
});
