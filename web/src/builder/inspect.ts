// Running a definition so every step can be inspected: the run asks for each step's outputs too (`$steps.s.*` under
// a reserved name), and the answer is split into the workflow's own outputs and what each step gave.

import type { Definition } from "./graph";

const PREFIX = "__step__";

export type Image = { type: "base64"; value: string };
export type Predictions = { image?: unknown; predictions: Record<string, unknown>[] };

export function isImage(value: unknown): value is Image {
  return typeof value === "object" && value !== null && (value as Image).type === "base64" && typeof (value as Image).value === "string";
}

export function isPredictions(value: unknown): value is Predictions {
  return typeof value === "object" && value !== null && Array.isArray((value as Predictions).predictions);
}

/** `definition` with one more output per step: all of its outputs. */
export function withStepOutputs(definition: Definition): Definition {
  const extra = definition.steps.map((step) => ({ type: "JsonField", name: `${PREFIX}${step.name}`, selector: `$steps.${step.name}.*` }));
  return { ...definition, outputs: [...definition.outputs, ...extra] };
}

/** The first image's answer split: the workflow's outputs, and each step's outputs by step name. */
export function splitOutputs(answer: Record<string, unknown>): { outputs: Record<string, unknown>; steps: Record<string, Record<string, unknown>> } {
  const outputs: Record<string, unknown> = {};
  const steps: Record<string, Record<string, unknown>> = {};
  for (const [name, value] of Object.entries(answer)) {
    if (name.startsWith(PREFIX)) steps[name.slice(PREFIX.length)] = (value ?? {}) as Record<string, unknown>;
    else outputs[name] = value;
  }
  return { outputs, steps };
}

/** How many detections of each class. */
export function classCounts(predictions: Predictions): [string, number][] {
  const counts = new Map<string, number>();
  for (const p of predictions.predictions) counts.set(String(p.class ?? "?"), (counts.get(String(p.class ?? "?")) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1]);
}

/** One line about a value: `3 predictions`, `an image`, `7`, `[...] (4)`. */
export function summary(value: unknown): string {
  if (value === null || value === undefined) return "nothing (skipped)";
  if (isImage(value)) return "an image";
  if (isPredictions(value)) return `${value.predictions.length} predictions`;
  if (Array.isArray(value)) return `a list of ${value.length}`;
  const text = JSON.stringify(value);
  return text.length > 40 ? `${text.slice(0, 37)}…` : text;
}

/** What each step gave, small enough to send the agent: predictions as counts per class, images as a word. */
export function runSummary(steps: Record<string, Record<string, unknown>>): Record<string, Record<string, unknown>> {
  const brief = (value: unknown): unknown => {
    if (isPredictions(value)) return { count: value.predictions.length, classes: Object.fromEntries(classCounts(value)) };
    if (isImage(value)) return "an image";
    if (value !== null && typeof value === "object") return summary(value);
    return typeof value === "string" && value.length > 80 ? `${value.slice(0, 77)}…` : value;
  };
  return Object.fromEntries(Object.entries(steps).map(([step, outputs]) => [
    step, Object.fromEntries(Object.entries(outputs).map(([name, value]) => [name, brief(value)])),
  ]));
}

/** What a step kept and dropped of the predictions it was given (a filter's doing), by detection id. */
export function keptAndDropped(given: Predictions, kept: Predictions): { kept: number; dropped: Record<string, unknown>[] } {
  const ids = new Set(kept.predictions.map((p) => p.detection_id));
  const dropped = given.predictions.filter((p) => !ids.has(p.detection_id));
  return { kept: kept.predictions.length, dropped };
}
