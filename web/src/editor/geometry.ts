// Editor geometry: rings as [x, y][] in image pixels, and conversion to the API's flat coordinates.

export type Point = [number, number];
export type Ring = Point[];
export interface Shape { exterior: Ring; holes: Ring[] }

export function ringFromFlat(flat: number[]): Ring {
  const ring: Ring = [];
  for (let i = 0; i + 1 < flat.length; i += 2) ring.push([flat[i], flat[i + 1]]);
  return ring;
}

export function ringToFlat(ring: Ring): number[] {
  return ring.flatMap(([x, y]) => [round(x), round(y)]);
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

/** Even-odd rule: inside the exterior and outside every hole. */
export function pointInRing([x, y]: Point, ring: Ring): boolean {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i];
    const [xj, yj] = ring[j];
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

export function pointInShape(point: Point, shape: Shape): boolean {
  return pointInRing(point, shape.exterior) && !shape.holes.some((hole) => pointInRing(point, hole));
}

/** The index of the vertex within `radius` of `point`, or -1. */
export function nearestVertex(point: Point, ring: Ring, radius: number): number {
  let best = -1;
  let bestDistance = radius;
  ring.forEach(([x, y], index) => {
    const distance = Math.hypot(x - point[0], y - point[1]);
    if (distance <= bestDistance) {
      best = index;
      bestDistance = distance;
    }
  });
  return best;
}

/** Where `point` projects onto the ring's closest edge: `[edge start index, projected point, distance]`. */
export function nearestEdge(point: Point, ring: Ring): [number, Point, number] {
  let best: [number, Point, number] = [-1, point, Infinity];
  for (let i = 0; i < ring.length; i++) {
    const a = ring[i];
    const b = ring[(i + 1) % ring.length];
    const dx = b[0] - a[0];
    const dy = b[1] - a[1];
    const length = dx * dx + dy * dy;
    const t = length === 0 ? 0 : Math.max(0, Math.min(1, ((point[0] - a[0]) * dx + (point[1] - a[1]) * dy) / length));
    const projected: Point = [a[0] + t * dx, a[1] + t * dy];
    const distance = Math.hypot(projected[0] - point[0], projected[1] - point[1]);
    if (distance < best[2]) best = [i, projected, distance];
  }
  return best;
}

export function insertVertex(ring: Ring, afterIndex: number, point: Point): Ring {
  return [...ring.slice(0, afterIndex + 1), point, ...ring.slice(afterIndex + 1)];
}

export function moveVertex(ring: Ring, index: number, point: Point): Ring {
  return ring.map((vertex, i) => (i === index ? point : vertex));
}

export function bounds(rings: Ring[]): [number, number, number, number] {
  const points = rings.flat();
  const xs = points.map((p) => p[0]);
  const ys = points.map((p) => p[1]);
  return [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
}

/** Screen ↔ image coordinates for a view scaled by `zoom` and shifted by `offset` (screen pixels). */
export interface View { zoom: number; offset: Point }

export function toImage([sx, sy]: Point, view: View): Point {
  return [(sx - view.offset[0]) / view.zoom, (sy - view.offset[1]) / view.zoom];
}

export function toScreen([x, y]: Point, view: View): Point {
  return [x * view.zoom + view.offset[0], y * view.zoom + view.offset[1]];
}

/** Zoom by `factor` keeping the image point under `anchor` (screen) where it is. */
export function zoomAt(view: View, anchor: Point, factor: number): View {
  const zoom = Math.min(64, Math.max(0.05, view.zoom * factor));
  const [ix, iy] = toImage(anchor, view);
  return { zoom, offset: [anchor[0] - ix * zoom, anchor[1] - iy * zoom] };
}
