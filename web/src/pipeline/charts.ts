// Shaping training metrics (one row per epoch, as rfdetr logs them) into chart series, and axis scales.

import type { EpochRow } from "../api";

export interface Point { x: number; y: number }
export interface Series { key: string; label: string; points: Point[] }

export const LOSS_SERIES: [string, string][] = [
  ["train/loss", "total loss"],
  ["train/loss_mask_dice", "mask dice"],
  ["train/loss_mask_ce", "mask CE"],
  ["train/loss_bbox", "box L1"],
];
export const MAP_SERIES: [string, string][] = [
  ["val/segm_mAP_50_95", "mask mAP50-95"],
  ["val/segm_mAP_50", "mask mAP50"],
  ["val/mAP_50_95", "box mAP50-95"],
];

/** One series per wanted key that some row has; x is the 1-based epoch, rows missing the key are skipped. */
export function epochSeries(rows: EpochRow[], wanted: [string, string][]): Series[] {
  return wanted
    .map(([key, label]) => ({
      key,
      label,
      points: rows
        .filter((row) => Number.isFinite(row[key]))
        .map((row) => ({ x: row.epoch + 1, y: row[key] })),
    }))
    .filter((series) => series.points.length > 0);
}

/** About `count` round tick values covering [min, max] (1, 2 or 5 times a power of ten apart). */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!(max > min)) return [min];
  const raw = (max - min) / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power;
  const ticks: number[] = [];
  for (let value = Math.ceil(min / step) * step; value <= max + step * 1e-9; value += step) {
    ticks.push(Number(value.toFixed(10)));
  }
  return ticks;
}

/** The data bounds of every series, padded so a lone point or a flat line still gets a visible range. */
export function bounds(series: Series[], fixedY?: [number, number]): { x: [number, number]; y: [number, number] } {
  const points = series.flatMap((s) => s.points);
  const xs = points.map((p) => p.x);
  const ys = points.map((p) => p.y);
  const x: [number, number] = xs.length ? [Math.min(1, ...xs), Math.max(...xs)] : [1, 1];
  if (x[1] === x[0]) x[1] = x[0] + 1;
  if (fixedY) return { x, y: fixedY };
  let y: [number, number] = ys.length ? [Math.min(0, ...ys), Math.max(...ys)] : [0, 1];
  if (y[1] === y[0]) y = [y[0], y[0] + 1];
  return { x, y };
}

/** A linear map from `domain` onto `range`. */
export function linear(domain: [number, number], range: [number, number]): (value: number) => number {
  const [d0, d1] = domain;
  const [r0, r1] = range;
  return (value) => r0 + ((value - d0) / (d1 - d0 || 1)) * (r1 - r0);
}
