// The app API calls of the Rapid page: detectors, preview, the labelling job and the review queue.

import { Annotation, call, Geometry, Schemas } from "../api";
import type { Job } from "../pipeline/api";

export type Detector = Schemas["DetectorInfo"];

/** One prompt row as typed: the words to look for and the class what they find is labelled as. */
export interface PromptRow { text: string; class_name: string }

export type RapidRequest = Schemas["AutolabelRequest"];

/** An example box drawn on a project image: more like it (or, not positive, not like it). */
export type Example = Schemas["ExampleIn"];

/** The box two corners span (x0, y0, x1, y1), or null when it is too small to be meant (a click). */
export function boxFrom(a: [number, number], b: [number, number]): [number, number, number, number] | null {
  const box: [number, number, number, number] = [Math.min(a[0], b[0]), Math.min(a[1], b[1]), Math.max(a[0], b[0]), Math.max(a[1], b[1])];
  return box[2] - box[0] >= 2 && box[3] - box[1] >= 2 ? box : null;
}

/** A preview image's instances JSON: what was found, by which prompt, its box (x0, y0, x1, y1) and outline. */
export type PreviewImage = Omit<Schemas["seglab__services__autolabel__PreviewImage"], "instances"> & {
  instances: { class_name: string; prompt: string; confidence: number; box: number[]; segmentation: Geometry }[];
};

export type Proposal = Annotation;

const project = (name: string) => `/projects/${encodeURIComponent(name)}/autolabel`;

export const rapidApi = {
  detectors: () => call<Detector[]>("GET", "/autolabel/detectors"),
  preview: (name: string, request: RapidRequest) =>
    call<{ images: PreviewImage[] }>("POST", `${project(name)}/preview`, request),
  run: (name: string, request: RapidRequest) => call<Job>("POST", `${project(name)}/jobs`, request),
  proposals: (name: string) => call<{ total: number; items: Proposal[] }>("GET", `${project(name)}/proposals?limit=200`),
};

/** The classes the rows name, once each, in order (several prompts may name one class). */
export function classesOf(rows: PromptRow[]): string[] {
  return [...new Set(rows.filter((r) => r.text.trim()).map((r) => (r.class_name.trim() || r.text.trim())))];
}

/** The rows, thresholds and examples as the server's request (empty rows left out; a class's threshold only if it
 * has one; an example of a class no row names any more falls back to the first prompt's). */
export function toRequest(
  rows: PromptRow[], threshold: number, thresholds: Record<string, number>, detector: string | null, examples: Example[] = [],
): RapidRequest {
  const classes = classesOf(rows);
  return {
    examples: examples.map((e) => ({ ...e, class_name: e.class_name && classes.includes(e.class_name) ? e.class_name : null })),
    prompts: rows.filter((r) => r.text.trim()).map((r) => ({ text: r.text.trim(), class_name: r.class_name.trim() || null })),
    threshold,
    class_thresholds: Object.fromEntries(Object.entries(thresholds).filter(([name]) => classes.includes(name))),
    detector,
  };
}

/** An SVG path of a polygon geometry (every part and hole; even-odd filling makes the holes). */
export function pathOf(geometry: Geometry): string {
  if (geometry.type !== "polygon") return "";
  const ring = (flat: number[]) => {
    const points = [];
    for (let i = 0; i + 1 < flat.length; i += 2) points.push(`${flat[i]},${flat[i + 1]}`);
    return `M${points.join("L")}Z`;
  };
  return geometry.parts.map((part) => [part.exterior, ...part.holes].map(ring).join("")).join("");
}
