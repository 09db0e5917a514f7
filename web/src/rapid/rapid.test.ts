import { describe, expect, it } from "vitest";
import { boxFrom, classesOf, pathOf, toRequest } from "./api";

describe("rapid request", () => {
  const rows = [
    { text: "hard hat", class_name: "helmet" },
    { text: "helmet", class_name: "" },
    { text: " ", class_name: "ignored" },
    { text: "bottle cap", class_name: "" },
  ];

  it("names each class once, a row's class defaulting to its text", () => {
    expect(classesOf(rows)).toEqual(["helmet", "bottle cap"]);
  });

  it("leaves out empty rows and thresholds of classes no row names", () => {
    const request = toRequest(rows, 0.3, { helmet: 0.2, gone: 0.9 }, "owlv2-base");
    expect(request.prompts).toEqual([
      { text: "hard hat", class_name: "helmet" }, { text: "helmet", class_name: null }, { text: "bottle cap", class_name: null },
    ]);
    expect(request.class_thresholds).toEqual({ helmet: 0.2 });
    expect(request.threshold).toBe(0.3);
  });
});

describe("example boxes", () => {
  it("span two corners, whichever way they were dragged, and a click is no box", () => {
    expect(boxFrom([40, 30], [10, 50])).toEqual([10, 30, 40, 50]);
    expect(boxFrom([10, 10], [11, 40])).toBeNull();
  });

  it("go in the request, a class no prompt names any more falling back to the first prompt's", () => {
    const examples = [
      { image_id: 3, box: [1, 2, 30, 40] as [number, number, number, number], class_name: "helmet", positive: true },
      { image_id: 3, box: [50, 2, 80, 40] as [number, number, number, number], class_name: "gone", positive: false },
    ];
    const request = toRequest([{ text: "hard hat", class_name: "helmet" }], 0.3, {}, "sam3", examples);
    expect(request.examples).toEqual([{ ...examples[0] }, { ...examples[1], class_name: null }]);
  });
});

describe("pathOf", () => {
  it("draws every ring of every part", () => {
    const square = { type: "polygon" as const, parts: [{ exterior: [0, 0, 4, 0, 4, 4], holes: [[1, 1, 2, 1, 2, 2]] }] };
    expect(pathOf(square)).toBe("M0,0L4,0L4,4ZM1,1L2,1L2,2Z");
  });
});
