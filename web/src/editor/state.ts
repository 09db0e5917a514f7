// What the editor holds: the document (image, annotations), the selection, the view and each tool's work in
// progress. One plain object in one store (./store); every change goes through the controller.

import { Annotation, Geometry, ImageRecord, Project, TrainedModel } from "../api";
import { Point, Ring, ringFromFlat, ringToFlat, Shape, View } from "./geometry";
import type { ImagePlace } from "./editorApi";
import { VertexHit } from "./shapes";

export type ToolId = "select" | "polygon" | "smart" | "brush" | "eraser";
export const TOOLS: ToolId[] = ["select", "polygon", "smart", "brush", "eraser"];

/** What a drawing (polygon, brush stroke, accepted Smart Polygon) makes: see ./drawing. */
export type DrawMode = "new" | "add" | "cut";
export const DRAW_MODES: DrawMode[] = ["new", "add", "cut"];
export const DRAW_MODE_NAMES: Record<DrawMode, string> = { new: "new annotation", add: "add a part", cut: "cut a hole" };

export interface Loaded { image: ImageRecord; project: Project; picture: HTMLImageElement }

export interface SmartPrompt {
  points: { x: number; y: number; label: number }[];
  box: number[] | null;
  maskId: string | null;
  preview: Shape[];
}
export const NO_PROMPT: SmartPrompt = { points: [], box: null, maskId: null, preview: [] };

export interface EditorState {
  /** The image the route asks for; until `loaded` is that image, the last one stays on screen, untouchable. */
  imageId: number;
  loaded: Loaded | null;
  annotations: Annotation[];
  /** Each annotation's shapes, parsed once per load (an RLE mask is edited as its pixel outline). */
  shapes: ReadonlyMap<number, Shape[]>;
  tool: ToolId;
  drawMode: DrawMode;
  categoryId: number | null;
  selected: number | null;
  /** The annotation under the pointer on the image, or under it in the list: each highlights it in the other. */
  hovered: number | null;
  /** Where the image stands in the grid it was opened from (its filters): next / previous and "12 / 141". */
  place: (ImagePlace & { imageId: number }) | null;
  selectedVertex: VertexHit | null;
  hidden: ReadonlySet<number>;
  allHidden: boolean;
  locked: ReadonlySet<number>;
  view: View;
  message: string;
  help: boolean;
  embedding: "computing" | "ready" | "";
  models: TrainedModel[];
  assistModel: string;
  assistConfidence: number;
  brushRadius: number;
  detail: number;
  // work in progress, drawn on the canvas only (no panel shows it)
  draft: Ring;
  prompt: SmartPrompt;
  hoverPreview: Shape[];
  stroke: Point[] | null;
  boxDraft: [Point, Point] | null;
  /** The selected annotation's shapes while a vertex drag or a move is under way (saved on release). */
  override: Shape[] | null;
  cursor: Point | null;
}

export function initialState(imageId: number): EditorState {
  return {
    imageId, loaded: null, annotations: [], shapes: new Map(), tool: "polygon", drawMode: "new", categoryId: null,
    selected: null, hovered: null, place: null, selectedVertex: null, hidden: new Set(), allHidden: false, locked: new Set(),
    view: { zoom: 1, offset: [0, 0] }, message: "", help: false, embedding: "", models: [], assistModel: "",
    assistConfidence: 0.5, brushRadius: 12, detail: 0.6, draft: [], prompt: NO_PROMPT, hoverPreview: [], stroke: null,
    boxDraft: null, override: null, cursor: null,
  };
}

export function shapesOf(geometry: Geometry): Shape[] {
  if (geometry.type !== "polygon") return [];
  return geometry.parts.map((part) => ({ exterior: ringFromFlat(part.exterior), holes: part.holes.map(ringFromFlat) }));
}

export function geometryOf(shapes: Shape[]): Geometry {
  return {
    type: "polygon",
    parts: shapes.map((s) => ({ exterior: ringToFlat(s.exterior), holes: s.holes.map(ringToFlat) })),
  };
}

/** The annotations with their parsed shapes, as the store keeps them. */
export function withAnnotations(annotations: Annotation[]): Pick<EditorState, "annotations" | "shapes"> {
  return { annotations, shapes: new Map(annotations.map((a) => [a.id, shapesOf(a.outline ?? a.geometry)])) };
}

/** The route's image has loaded: input may act on it. */
export const isReady = (s: EditorState): boolean => s.loaded?.image.id === s.imageId;

export const isVisible = (s: Pick<EditorState, "allHidden" | "hidden">, a: Annotation): boolean => !s.allHidden && !s.hidden.has(a.id);

/** The selected annotation, unless it is locked or hidden (then nothing may change it). */
export function editable(s: Pick<EditorState, "annotations" | "selected" | "locked" | "hidden" | "allHidden">): Annotation | undefined {
  const current = s.annotations.find((a) => a.id === s.selected);
  return current && !s.locked.has(current.id) && isVisible(s, current) ? current : undefined;
}

export function shapesFor(s: EditorState, id: number): Shape[] {
  return s.shapes.get(id) ?? [];
}

export function toggled(set: ReadonlySet<number>, id: number): Set<number> {
  const next = new Set(set);
  if (!next.delete(id)) next.add(id);
  return next;
}

/** The image's status as the server holds it after the edits on screen, without asking it again: `unannotated`
 * and `annotated` follow the annotations, and a `null` image that got an annotation is `annotated`;
 * `reviewed` is a person's decision and stays. */
export function liveStatus(status: string, annotations: number): string {
  if (status === "reviewed" || (status === "null" && annotations === 0)) return status;
  return annotations > 0 ? "annotated" : "unannotated";
}
