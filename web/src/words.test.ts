import { describe, expect, it } from "vitest";
import { counted } from "./words";

describe("counted", () => {
  it("says one thing in the singular and any other count in the plural", () => {
    expect([counted(1, "image"), counted(0, "image"), counted(7, "class", "classes")]).toEqual(["1 image", "0 images", "7 classes"]);
  });
});
