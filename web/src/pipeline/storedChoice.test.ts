import { describe, expect, it } from "vitest";
import { readChoice } from "./storedChoice";

const store = (text: string | null) => ({ getItem: () => text });

describe("a stored form choice", () => {
  it.each([
    [null, { epochs: 10, from_scratch: false }],
    ['{"epochs": 3}', { epochs: 3, from_scratch: false }],
    ['{"epochs": 3, "from_scratch": true}', { epochs: 3, from_scratch: true }],
    ["not json", { epochs: 10, from_scratch: false }],
    ["[1, 2]", { epochs: 10, from_scratch: false }],
  ])("%s reads as %j", (text, expected) => {
    expect(readChoice(store(text), "k", { epochs: 10, from_scratch: false })).toEqual(expected);
  });
});
