// The annotations' layer: every shown annotation but the selected one, painted once into an offscreen canvas and
// then only copied while the view pans (dense scenes: 10,000 polygons). The layer covers the view plus half a view
// on each side, at the zoom it was painted at; panning inside it costs one image copy, leaving it repaints it.
// Zooming shows the layer scaled at once (blank beyond its edges when zooming out) and repaints it when the wheel
// has been still for a moment.
//
// Painting is cheap too: the annotations of one colour share a few paths (a fill and a stroke per few hundred
// annotations, not per annotation), each ring wound so that holes stay holes under the non-zero rule, and when zoomed out each ring is
// simplified to what the screen can show (level of detail; an annotation smaller than a pixel or two is its box).

import simplify from "simplify-js";
import { Ring, Shape, View } from "./geometry";
import type { Bounds } from "./sceneIndex";

export interface LayerItem {
  id: number;
  shapes: Shape[];
  bounds: Bounds;
  color: string;
  locked: boolean;
}

/** The layer's contents: a new object whenever an item (its shapes, colour, lock) or the set of items changes. */
export interface LayerContents {
  items: LayerItem[];
  /** Where annotations can be: the image (the layer never covers more). */
  extent: Bounds;
}

const SETTLE_MS = 150;
const MAX_SIDE = 4096;
const TINY_PX = 2;

/** Simplification level for a zoom: -1 (none) at 1:1 and closer; each level doubles the tolerance. */
export function detailLevel(zoom: number): number {
  return zoom >= 1 ? -1 : Math.ceil(Math.log2(1 / zoom));
}

function signedArea(ring: Ring): number {
  let sum = 0;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) sum += (ring[j][0] - ring[i][0]) * (ring[j][1] + ring[i][1]);
  return sum / 2;
}

/** `ring` with at most what `tolerance` image pixels can show, wound one way (`clockwise`) or the other. */
export function levelRing(ring: Ring, tolerance: number, clockwise: boolean): Ring {
  let out = ring;
  if (tolerance > 0 && ring.length > 8) {
    const kept = simplify(ring.map(([x, y]) => ({ x, y })), tolerance, false);
    if (kept.length >= 3) out = kept.map((p): [number, number] => [p.x, p.y]);
  }
  return signedArea(out) > 0 === clockwise ? out : [...out].reverse();
}

function traceRing(path: Path2D, ring: Ring): void {
  ring.forEach(([x, y], i) => (i ? path.lineTo(x, y) : path.moveTo(x, y)));
  path.closePath();
}

interface Group { color: string; locked: boolean; path: Path2D; count: number }

/** Annotations per path: one path per colour is what makes painting cheap, but Chromium fills and strokes one huge
 * path far slower than a few hundred moderate ones. */
const PER_PATH = 250;

/** Paths per colour (and lock) at a detail level. */
function groups(contents: LayerContents, level: number, zoom: number): Group[] {
  const tolerance = level < 0 ? 0 : 0.5 * 2 ** level;
  const byKey = new Map<string, Group>();
  const done: Group[] = [];
  for (const item of contents.items) {
    if (!item.shapes.length) continue;
    const key = `${item.color}|${item.locked}`;
    let group = byKey.get(key);
    if (group && group.count >= PER_PATH) {
      done.push(group);
      group = undefined;
    }
    if (!group) byKey.set(key, (group = { color: item.color, locked: item.locked, path: new Path2D(), count: 0 }));
    group.count += 1;
    const [x0, y0, x1, y1] = item.bounds;
    if ((x1 - x0) * zoom < TINY_PX && (y1 - y0) * zoom < TINY_PX) {
      group.path.rect(x0, y0, Math.max(x1 - x0, 1 / zoom), Math.max(y1 - y0, 1 / zoom));
      continue;
    }
    for (const shape of item.shapes) {
      traceRing(group.path, levelRing(shape.exterior, tolerance, true));
      shape.holes.forEach((hole) => traceRing(group!.path, levelRing(hole, tolerance, false)));
    }
  }
  return [...done, ...byKey.values()];
}

export class AnnotationLayer {
  private canvas: HTMLCanvasElement | null = null;
  private painted: { contents: LayerContents; zoom: number; region: Bounds } | null = null;
  private paths: { contents: LayerContents; level: number; groups: Group[] } | null = null;
  private settle = 0;

  /** `repaint` asks for a redraw (the owner's next frame) once a zoom has settled. */
  constructor(private readonly repaint: () => void) {}

  /** Copy the layer into `context` (already transformed to image coordinates), painting it first if needed. */
  draw(context: CanvasRenderingContext2D, contents: LayerContents, view: View, width: number, height: number): void {
    const visible: Bounds = [
      -view.offset[0] / view.zoom, -view.offset[1] / view.zoom,
      (width - view.offset[0]) / view.zoom, (height - view.offset[1]) / view.zoom,
    ];
    const painted = this.painted;
    const covered = painted && painted.region[0] <= Math.max(visible[0], contents.extent[0])
      && painted.region[1] <= Math.max(visible[1], contents.extent[1])
      && painted.region[2] >= Math.min(visible[2], contents.extent[2])
      && painted.region[3] >= Math.min(visible[3], contents.extent[3]);
    if (!painted || painted.contents !== contents || (!covered && painted.zoom === view.zoom)) {
      this.paint(contents, view.zoom, visible);
    } else if (painted.zoom !== view.zoom) { // zooming: the old layer scaled (blank where it ends) until it settles
      window.clearTimeout(this.settle);
      this.settle = window.setTimeout(() => { this.painted = null; this.repaint(); }, SETTLE_MS);
    }
    const { region, zoom } = this.painted!;
    context.drawImage(this.canvas!, region[0], region[1], this.canvas!.width / zoom, this.canvas!.height / zoom);
  }

  private paint(contents: LayerContents, zoom: number, visible: Bounds): void {
    const started = performance.now();
    const [w, h] = [visible[2] - visible[0], visible[3] - visible[1]];
    const margin = (w + h) * zoom * 2 <= MAX_SIDE ? 0.5 : 0;
    const region: Bounds = [
      Math.max(visible[0] - w * margin, contents.extent[0]), Math.max(visible[1] - h * margin, contents.extent[1]),
      Math.min(visible[2] + w * margin, contents.extent[2]), Math.min(visible[3] + h * margin, contents.extent[3]),
    ];
    const canvas = (this.canvas ??= document.createElement("canvas"));
    canvas.width = Math.min(MAX_SIDE, Math.max(1, Math.ceil((region[2] - region[0]) * zoom)));
    canvas.height = Math.min(MAX_SIDE, Math.max(1, Math.ceil((region[3] - region[1]) * zoom)));
    const context = canvas.getContext("2d")!;
    context.setTransform(zoom, 0, 0, zoom, -region[0] * zoom, -region[1] * zoom);
    const level = detailLevel(zoom);
    if (!this.paths || this.paths.contents !== contents || this.paths.level !== level) {
      this.paths = { contents, level, groups: groups(contents, level, zoom) };
    }
    context.lineWidth = 1.5 / zoom;
    for (const group of this.paths.groups) {
      context.fillStyle = group.color + "55";
      context.strokeStyle = group.color;
      context.setLineDash(group.locked ? [4 / zoom, 3 / zoom] : []);
      context.fill(group.path);
      context.stroke(group.path);
    }
    this.painted = { contents, zoom, region };
    performance.measure("seglab-layer", { start: started }); // read by benchmarks/editor_frame_time.py
  }
}
