// What a finished drawing does — a polygon, a brush stroke, an accepted Smart Polygon or box prompt. A drawing is a
// new annotation unless the person chose "add a part" or "cut a hole" (the panel's draw mode, M): nothing a click
// left selected ever silently decides it (as in CVAT and Roboflow Annotate).

import { Annotation } from "../api";
import { DrawMode, editable, EditorState } from "./state";

export type DrawingEffect =
  | { kind: "new" }
  | { kind: "add"; target: Annotation }
  | { kind: "cut"; target: Annotation };

/** The effect of a drawing now: "add a part" / "cut a hole" act on the selected annotation (when it can be
 * changed); with none selected, "add a part" starts a new annotation and "cut a hole" has nothing to cut. */
export function drawingEffect(s: Pick<EditorState, "drawMode" | "annotations" | "selected" | "locked" | "hidden" | "allHidden">): DrawingEffect | null {
  const target = editable(s);
  if (s.drawMode === "new") return { kind: "new" };
  if (!target) return s.drawMode === "add" ? { kind: "new" } : null;
  return { kind: s.drawMode, target };
}

/** What stays selected after a drawing made a new annotation: in "add a part" mode the new one (the next
 * strokes extend it); otherwise nothing, so the next drawing cannot become a part of it by accident. */
export function selectedAfterCreate(mode: DrawMode, created: number): number | null {
  return mode === "add" ? created : null;
}
