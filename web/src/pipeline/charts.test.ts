import { describe, expect, it } from "vitest";
import type { EpochRow } from "../api";
import { bounds, epochSeries, linear, LOSS_SERIES, MAP_SERIES, niceTicks } from "./charts";

const ROWS: EpochRow[] = [
  { epoch: 0, "train/loss": 5, "val/segm_mAP_50_95": 0.1 },
  { epoch: 1, "train/loss": 3, "val/segm_mAP_50_95": 0.2, "val/mAP_50_95": 0.3 },
];

describe("epoch rows → series", () => {
  it("keeps the keys some row has, at 1-based epochs", () => {
    expect(epochSeries(ROWS, LOSS_SERIES)).toEqual([
      { key: "train/loss", label: "total loss", points: [{ x: 1, y: 5 }, { x: 2, y: 3 }] },
    ]);
    const maps = epochSeries(ROWS, MAP_SERIES);
    expect(maps.map((s) => s.key)).toEqual(["val/segm_mAP_50_95", "val/mAP_50_95"]);
    expect(maps[1].points).toEqual([{ x: 2, y: 0.3 }]); // missing in epoch 1: skipped, not zero
  });

  it("is empty before the first epoch", () => {
    expect(epochSeries([], LOSS_SERIES)).toEqual([]);
  });
});

describe("scales", () => {
  it.each([
    [0, 1, 5, [0, 0.2, 0.4, 0.6, 0.8, 1]],
    [0, 7.3, 4, [0, 2, 4, 6]],
    [1, 3, 6, [1, 1.5, 2, 2.5, 3]],
    [2, 2, 5, [2]],
  ])("ticks of [%s, %s] (about %s)", (min, max, count, expected) => {
    expect(niceTicks(min, max, count)).toEqual(expected);
  });

  it("pads a lone point so it has a range, and starts y at zero", () => {
    expect(bounds([{ key: "a", label: "a", points: [{ x: 1, y: 0.4 }] }])).toEqual({ x: [1, 2], y: [0, 0.4] });
    expect(bounds([])).toEqual({ x: [1, 2], y: [0, 1] });
  });

  it("maps linearly, flipping for the y axis", () => {
    const toY = linear([0, 1], [200, 0]);
    expect(toY(0)).toBe(200);
    expect(toY(0.25)).toBe(150);
  });
});
