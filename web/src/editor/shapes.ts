// Whole-annotation edits: an annotation is a list of shapes (parts), each an exterior with holes. Vertex edits
// address one ring of one part; brush, eraser, "add part" and "cut hole" are boolean operations (polygon-clipping),
// so the result is always a valid set of parts and holes, whatever was drawn.

import polygonClipping, { MultiPolygon, Polygon } from "polygon-clipping";
import { nearestEdge, nearestVertex, Point, Ring, Shape } from "./geometry";

/** One ring of an annotation: `hole` -1 is the part's exterior. */
export interface RingRef { part: number; hole: number }

export interface VertexHit extends RingRef { index: number }

export function ringAt(shapes: Shape[], ref: RingRef): Ring {
  const shape = shapes[ref.part];
  return ref.hole < 0 ? shape.exterior : shape.holes[ref.hole];
}

export function replaceRing(shapes: Shape[], ref: RingRef, ring: Ring): Shape[] {
  return shapes.map((shape, part) => {
    if (part !== ref.part) return shape;
    if (ref.hole < 0) return { ...shape, exterior: ring };
    return { ...shape, holes: shape.holes.map((hole, index) => (index === ref.hole ? ring : hole)) };
  });
}

function refs(shapes: Shape[]): RingRef[] {
  return shapes.flatMap((shape, part) => [{ part, hole: -1 }, ...shape.holes.map((_, hole) => ({ part, hole }))]);
}

/** The vertex of any ring (exteriors and holes) nearest to `point` within `radius`. */
export function findVertex(shapes: Shape[], point: Point, radius: number): VertexHit | null {
  let best: VertexHit | null = null;
  let bestDistance = Infinity;
  for (const ref of refs(shapes)) {
    const ring = ringAt(shapes, ref);
    const index = nearestVertex(point, ring, radius);
    if (index < 0) continue;
    const distance = Math.hypot(ring[index][0] - point[0], ring[index][1] - point[1]);
    if (distance < bestDistance) [best, bestDistance] = [{ ...ref, index }, distance];
  }
  return best;
}

/** The edge of any ring nearest to `point` within `radius`: where a new vertex goes. */
export function findEdge(shapes: Shape[], point: Point, radius: number): (VertexHit & { at: Point }) | null {
  let best: (VertexHit & { at: Point }) | null = null;
  let bestDistance = radius;
  for (const ref of refs(shapes)) {
    const [index, at, distance] = nearestEdge(point, ringAt(shapes, ref));
    if (index >= 0 && distance <= bestDistance) [best, bestDistance] = [{ ...ref, index, at }, distance];
  }
  return best;
}

/** Removing a vertex: a ring left with fewer than three vertices goes (a hole) or takes its part with it. */
export function removeVertex(shapes: Shape[], hit: VertexHit): Shape[] {
  const ring = ringAt(shapes, hit).filter((_, index) => index !== hit.index);
  if (ring.length >= 3) return replaceRing(shapes, hit, ring);
  if (hit.hole >= 0) {
    return shapes.map((shape, part) =>
      part === hit.part ? { ...shape, holes: shape.holes.filter((_, index) => index !== hit.hole) } : shape,
    );
  }
  return shapes.filter((_, part) => part !== hit.part);
}

export function translateShapes(shapes: Shape[], dx: number, dy: number): Shape[] {
  const move = (ring: Ring): Ring => ring.map(([x, y]) => [x + dx, y + dy]);
  return shapes.map((shape) => ({ exterior: move(shape.exterior), holes: shape.holes.map(move) }));
}

function toClipping(shapes: Shape[]): MultiPolygon {
  return shapes.map((shape) => [shape.exterior, ...shape.holes] as Polygon);
}

function fromClipping(result: MultiPolygon): Shape[] {
  // polygon-clipping closes rings by repeating the first vertex; the API's rings are implicitly closed
  const open = (ring: Ring): Ring => (ring.length > 1 && sameVertex(ring[0], ring[ring.length - 1]) ? ring.slice(0, -1) : ring);
  return result
    .map(([exterior, ...holes]) => ({ exterior: open(exterior), holes: holes.map(open).filter((h) => h.length >= 3) }))
    .filter((shape) => shape.exterior.length >= 3);
}

function sameVertex(a: Point, b: Point): boolean {
  return a[0] === b[0] && a[1] === b[1];
}

/** `shapes` with `added` painted in: overlapping parts merge, separate ones become more parts. */
export function unite(shapes: Shape[], added: Shape[]): Shape[] {
  if (!added.length) return shapes;
  return fromClipping(polygonClipping.union(toClipping(shapes), toClipping(added)));
}

/** `shapes` with `removed` cut away: inside a part this makes a hole; across one it splits it. */
export function subtract(shapes: Shape[], removed: Shape[]): Shape[] {
  if (!removed.length || !shapes.length) return shapes;
  return fromClipping(polygonClipping.difference(toClipping(shapes), toClipping(removed)));
}

/** The parts of `shapes` inside a `width` x `height` image (pasted onto a smaller image, say); may be empty. */
export function clipToImage(shapes: Shape[], width: number, height: number): Shape[] {
  if (!shapes.length) return shapes;
  const frame: Polygon = [[[0, 0], [width, 0], [width, height], [0, height]]];
  return fromClipping(polygonClipping.intersection(toClipping(shapes), frame));
}

/** A polygon approximating a disc (enough sides that the outline looks round at the brush's size). */
export function disc([cx, cy]: Point, radius: number): Ring {
  const sides = Math.max(16, Math.min(64, Math.round(radius * 2)));
  return Array.from({ length: sides }, (_, i): Point => {
    const angle = (2 * Math.PI * i) / sides;
    return [cx + radius * Math.cos(angle), cy + radius * Math.sin(angle)];
  });
}

/** The area a round brush of `radius` covers along `path`: discs at the points joined by rectangles. */
export function brushStroke(path: Point[], radius: number): Shape[] {
  if (!path.length) return [];
  const pieces: Polygon[] = path.map((point) => [disc(point, radius)]);
  for (let i = 1; i < path.length; i++) {
    const [a, b] = [path[i - 1], path[i]];
    const length = Math.hypot(b[0] - a[0], b[1] - a[1]);
    if (length === 0) continue;
    const [nx, ny] = [(-(b[1] - a[1]) / length) * radius, ((b[0] - a[0]) / length) * radius];
    pieces.push([[[a[0] + nx, a[1] + ny], [b[0] + nx, b[1] + ny], [b[0] - nx, b[1] - ny], [a[0] - nx, a[1] - ny]]]);
  }
  return fromClipping(polygonClipping.union(pieces[0], ...pieces.slice(1)));
}

/** The area of the shapes in square pixels (shoelace formula; holes subtracted). */
export function area(shapes: Shape[]): number {
  const ringArea = (ring: Ring) =>
    Math.abs(ring.reduce((sum, [x, y], i) => {
      const [nx, ny] = ring[(i + 1) % ring.length];
      return sum + x * ny - nx * y;
    }, 0)) / 2;
  return shapes.reduce((sum, shape) => sum + ringArea(shape.exterior) - shape.holes.reduce((h, hole) => h + ringArea(hole), 0), 0);
}
