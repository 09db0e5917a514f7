import { describe, expect, it } from "vitest";
import { nextPage } from "./authApi";

describe("nextPage", () => {
  it("returns to the page that sent us to sign in", () => {
    expect(nextPage("?next=%2Fprojects%2Fpets%3Fsplit%3Dtrain")).toBe("/projects/pets?split=train");
  });
  it("never leaves the app, nor loops back to the sign-in page", () => {
    expect(nextPage("?next=https%3A%2F%2Fevil.example")).toBe("/");
    expect(nextPage("?next=%2F%2Fevil.example")).toBe("/");
    expect(nextPage("?next=%2Flogin")).toBe("/");
    expect(nextPage("")).toBe("/");
  });
});
