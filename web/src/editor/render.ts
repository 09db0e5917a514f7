// Drawing the editor's canvas: the picture, the annotations' cached layer (layers.ts: every shown annotation but
// the selected one), then what changes with the pointer (the selected annotation and its handles, drafts,
// previews), each annotation's shapes parsed once per change, not once per frame.

import { Point, Ring, Shape, toImage, View } from "./geometry";
import { AnnotationLayer, LayerContents } from "./layers";
import { VertexHit } from "./shapes";

export interface DrawnAnnotation {
  id: number;
  shapes: Shape[];
  bounds: [number, number, number, number];
  color: string;
  /** Under the pointer, here or in the annotation list: a wide white halo under its outline. */
  highlighted?: boolean;
}

export interface Scene {
  picture: HTMLImageElement;
  view: View;
  /** The annotations under the pointer's work, drawn every frame: the cached layer holds the others. */
  layer: { layer: AnnotationLayer; contents: LayerContents } | null;
  annotations: DrawnAnnotation[];
  selected: number | null;
  selectedVertex: VertexHit | null;
  locked: ReadonlySet<number>;
  draft: Ring;
  smartPreview: Shape[];
  /** What Smart Polygon would give for a click where the cursor is: drawn fainter than a preview. */
  hoverPreview: Shape[];
  box: number[] | null;
  points: { x: number; y: number; label: number }[];
  stroke: { path: Point[]; radius: number; erase: boolean } | null;
  brushCursor: { at: Point; radius: number; erase: boolean } | null;
}

function trace(context: CanvasRenderingContext2D, ring: Ring): void {
  ring.forEach(([x, y], i) => (i ? context.lineTo(x, y) : context.moveTo(x, y)));
  context.closePath();
}

function traceShapes(context: CanvasRenderingContext2D, shapes: Shape[]): void {
  context.beginPath();
  shapes.forEach((part) => { trace(context, part.exterior); part.holes.forEach((hole) => trace(context, hole)); });
}

function handles(context: CanvasRenderingContext2D, shapes: Shape[], zoom: number, vertex: VertexHit | null): void {
  const size = 6 / zoom;
  shapes.forEach((shape, part) => {
    [shape.exterior, ...shape.holes].forEach((ring, ringIndex) => {
      ring.forEach(([x, y], index) => {
        const chosen = vertex && vertex.part === part && vertex.hole === ringIndex - 1 && vertex.index === index;
        context.fillStyle = chosen ? "#ffeb3b" : "#fff";
        context.fillRect(x - size / 2, y - size / 2, size, size);
      });
    });
  });
}

export function drawScene(canvas: HTMLCanvasElement, scene: Scene): void {
  const { view } = scene;
  if (canvas.width !== canvas.clientWidth) canvas.width = canvas.clientWidth; // setting it clears and reallocates
  if (canvas.height !== canvas.clientHeight) canvas.height = canvas.clientHeight;
  const context = canvas.getContext("2d")!;
  context.clearRect(0, 0, canvas.width, canvas.height);
  context.save();
  context.translate(view.offset[0], view.offset[1]);
  context.scale(view.zoom, view.zoom);
  context.drawImage(scene.picture, 0, 0);
  if (scene.layer) scene.layer.layer.draw(context, scene.layer.contents, view, canvas.width, canvas.height);
  const [vx0, vy0] = toImage([0, 0], view);
  const [vx1, vy1] = toImage([canvas.width, canvas.height], view);

  for (const annotation of scene.annotations) {
    const [x0, y0, x1, y1] = annotation.bounds;
    if (!annotation.shapes.length || x1 < vx0 || y1 < vy0 || x0 > vx1 || y0 > vy1) continue;
    const isSelected = annotation.id === scene.selected;
    traceShapes(context, annotation.shapes);
    context.fillStyle = annotation.color + "55";
    context.strokeStyle = annotation.color;
    context.lineWidth = (isSelected ? 3 : 1.5) / view.zoom;
    if (scene.locked.has(annotation.id)) context.setLineDash([4 / view.zoom, 3 / view.zoom]);
    context.fill("evenodd");
    if (annotation.highlighted) {
      context.strokeStyle = "#fff";
      context.lineWidth = 5 / view.zoom;
      context.stroke();
      context.strokeStyle = annotation.color;
      context.lineWidth = 2.5 / view.zoom;
    }
    context.stroke();
    context.setLineDash([]);
    if (isSelected && !scene.locked.has(annotation.id)) handles(context, annotation.shapes, view.zoom, scene.selectedVertex);
  }

  if (scene.draft.length) {
    context.beginPath();
    scene.draft.forEach(([x, y], i) => (i ? context.lineTo(x, y) : context.moveTo(x, y)));
    context.strokeStyle = "#ffeb3b";
    context.lineWidth = 2 / view.zoom;
    context.stroke();
    context.fillStyle = "#ffeb3b";
    scene.draft.forEach(([x, y]) => context.fillRect(x - 3 / view.zoom, y - 3 / view.zoom, 6 / view.zoom, 6 / view.zoom));
  }

  for (const [preview, alpha] of [[scene.hoverPreview, "22"], [scene.smartPreview, "44"]] as const) {
    if (!preview.length) continue;
    traceShapes(context, preview);
    context.setLineDash([6 / view.zoom, 4 / view.zoom]);
    context.strokeStyle = "#00e5ff";
    context.fillStyle = "#00e5ff" + alpha;
    context.lineWidth = 2 / view.zoom;
    context.fill("evenodd");
    context.stroke();
    context.setLineDash([]);
  }
  if (scene.box) {
    context.strokeStyle = "#00e5ff";
    context.lineWidth = 1.5 / view.zoom;
    context.strokeRect(scene.box[0], scene.box[1], scene.box[2] - scene.box[0], scene.box[3] - scene.box[1]);
  }
  for (const point of scene.points) {
    context.fillStyle = point.label ? "#00c853" : "#d50000";
    context.beginPath();
    context.arc(point.x, point.y, 5 / view.zoom, 0, Math.PI * 2);
    context.fill();
  }

  if (scene.stroke) {
    const { path, radius, erase } = scene.stroke;
    context.beginPath();
    path.forEach(([x, y], i) => (i ? context.lineTo(x, y) : context.moveTo(x, y)));
    if (path.length === 1) context.lineTo(path[0][0] + 0.01, path[0][1]);
    context.lineCap = "round";
    context.lineJoin = "round";
    context.lineWidth = radius * 2;
    context.strokeStyle = erase ? "rgba(255,255,255,0.45)" : "rgba(255,235,59,0.45)";
    context.stroke();
  }
  if (scene.brushCursor) {
    const { at, radius, erase } = scene.brushCursor;
    context.beginPath();
    context.arc(at[0], at[1], radius, 0, Math.PI * 2);
    context.strokeStyle = erase ? "#fff" : "#ffeb3b";
    context.lineWidth = 1.5 / view.zoom;
    context.stroke();
  }
  context.restore();
}
