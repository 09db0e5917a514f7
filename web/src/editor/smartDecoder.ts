// Smart Polygon's decoder in the browser: SAM 2.1's prompt encoder and mask decoder (ONNX, exported by the server:
// seglab/assist/browser_decoder.py) run with onnxruntime-web on the image's embedding, fetched once, so a hover or a
// click costs no network round trip. onnxruntime-web and its WASM come from seglab's own built assets (a dynamic
// import: editors that never use Smart Polygon never load them); WebGPU where the browser has it, else WASM.
// Clients without WebAssembly, and models without an in-browser decoder (SAM 3, the GrabCut fallback), keep asking
// the server (POST /assist/segment): `openDecoder` answers null for them.

import { contours } from "d3-contour";
import simplify from "simplify-js";
import type { InferenceSession, Tensor } from "onnxruntime-web";
import { Point, Ring, Shape } from "./geometry";
import { area } from "./shapes";

/** SAM's low-resolution logits: a square grid over the whole image. */
export const LOW_RES = 256;

export interface EmbeddingHeader {
  model: string;
  image_wh: [number, number];
  dtype: "float16" | "float32";
  arrays: { name: string; shape: number[]; offset: number }[];
  decoder: string;
}

export interface Decoded {
  /** LOW_RES x LOW_RES logits over the image (> 0: inside); given back to refine the next answer. */
  logits: Float32Array;
  score: number;
}

export interface Prompt {
  points: { x: number; y: number; label: number }[];
  box: number[] | null;
  previous: Float32Array | null;
  /** A hover preview: answered by the INT8 decoder (faster; redrawn at the next move), never saved. */
  hover?: boolean;
}

/** The INT8 sibling of a decoder's URL (seglab/assist/browser_decoder.hover_decoder_file). */
export function hoverDecoderUrl(decoder: string): string {
  return decoder.replace(/\.onnx$/, "-int8.onnx");
}

/** seglab's embedding body (seglab/assist/embedding_wire.py): uint32 header length, JSON header, aligned arrays. */
export function parseEmbedding(body: ArrayBuffer): { header: EmbeddingHeader; arrays: Map<string, Float32Array> } {
  const length = new DataView(body).getUint32(0, true);
  const header = JSON.parse(new TextDecoder().decode(new Uint8Array(body, 4, length))) as EmbeddingHeader;
  const start = 4 + length;
  const arrays = new Map<string, Float32Array>();
  for (const entry of header.arrays) {
    const count = entry.shape.reduce((a, b) => a * b, 1);
    arrays.set(
      entry.name,
      header.dtype === "float32"
        ? new Float32Array(body, start + entry.offset, count)
        : halfToFloat(new Uint16Array(body, start + entry.offset, count)),
    );
  }
  return { header, arrays };
}

/** IEEE half → single precision (no Float16Array in every browser yet). */
export function halfToFloat(half: Uint16Array): Float32Array {
  const out = new Float32Array(half.length);
  for (let i = 0; i < half.length; i++) {
    const h = half[i];
    const sign = h & 0x8000 ? -1 : 1;
    const exponent = (h >> 10) & 0x1f;
    const fraction = h & 0x3ff;
    out[i] = exponent === 0 ? sign * fraction * 2 ** -24
      : exponent === 31 ? (fraction ? NaN : sign * Infinity)
        : sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
  }
  return out;
}

/** A quick outline for hover previews: contours of the logits at 0 (linear between grid samples, close to the
 * server's bilinear upscaling), simplified for `detail` as the server does (seglab.assist.tolerance_for). */
export function logitsToShapes(logits: Float32Array, width: number, height: number, detail: number): Shape[] {
  return outline(logits, LOW_RES, LOW_RES, 0, [width / LOW_RES, height / LOW_RES], detail);
}

/** The mask the server makes of the logits (bilinear to the image, as PyTorch's align_corners=False, then > 0):
 * 1 inside, 0 outside, row by row. */
export function logitsToMask(logits: Float32Array, width: number, height: number): Uint8Array {
  const axis = (size: number) => {
    const low = new Int32Array(size);
    const weight = new Float32Array(size);
    for (let i = 0; i < size; i++) {
      const source = Math.max(((i + 0.5) * LOW_RES) / size - 0.5, 0);
      low[i] = Math.min(Math.floor(source), LOW_RES - 1);
      weight[i] = source - low[i];
    }
    return { low, weight };
  };
  const xs = axis(width);
  const ys = axis(height);
  const mask = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    const r0 = ys.low[y] * LOW_RES;
    const r1 = Math.min(ys.low[y] + 1, LOW_RES - 1) * LOW_RES;
    const wy = ys.weight[y];
    for (let x = 0; x < width; x++) {
      const c0 = xs.low[x];
      const c1 = Math.min(c0 + 1, LOW_RES - 1);
      const wx = xs.weight[x];
      const top = logits[r0 + c0] * (1 - wx) + logits[r0 + c1] * wx;
      const bottom = logits[r1 + c0] * (1 - wx) + logits[r1 + c1] * wx;
      mask[y * width + x] = top * (1 - wy) + bottom * wy > 0 ? 1 : 0;
    }
  }
  return mask;
}

/** A click's outline: the exact mask's pixel outline (./logitsToMask), simplified for `detail`. */
export function maskShapes(logits: Float32Array, width: number, height: number, detail: number): Shape[] {
  return outline(logitsToMask(logits, width, height), width, height, 0.5, [1, 1], detail);
}

function outline(
  values: ArrayLike<number>, columns: number, rows: number, threshold: number, [sx, sy]: [number, number], detail: number,
): Shape[] {
  let inside = 0;
  let [left, top, right, bottom] = [columns, rows, -1, -1];
  for (let y = 0, i = 0; y < rows; y++) {
    for (let x = 0; x < columns; x++, i++) {
      if (values[i] > threshold) inside++;
      if (values[i] >= threshold) { // what d3-contour counts as inside
        if (x < left) left = x;
        if (x > right) right = x;
        if (y < top) top = y;
        if (y > bottom) bottom = y;
      }
    }
  }
  if (!inside) return [];
  const tolerance = detail >= 1 ? 0 : (1 - detail) ** 2 * 0.05 * Math.sqrt(inside * sx * sy) + 0.5;
  // trace only the region around what is inside (one cell of margin keeps every crossing and its interpolation):
  // an object a tenth of the image's side costs a hundredth of the grid
  [left, top] = [Math.max(left - 1, 0), Math.max(top - 1, 0)];
  [right, bottom] = [Math.min(right + 1, columns - 1), Math.min(bottom + 1, rows - 1)];
  const [width, height] = [right - left + 1, bottom - top + 1];
  const region = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    const start = (top + y) * columns + left;
    for (let x = 0; x < width; x++) region[y * width + x] = values[start + x];
  }
  const [found] = contours().size([width, height]).thresholds([threshold])(region as unknown as number[]);
  const ring = (coordinates: number[][]): Ring => {
    const scaled = coordinates.slice(0, -1).map(([x, y]) => ({ x: (x + left) * sx, y: (y + top) * sy }));
    const kept = tolerance > 0 ? simplify(scaled, tolerance, true) : scaled;
    return kept.map(({ x, y }): Point => [x, y]);
  };
  // rings enclosing (almost) no area (a simplified sliver) would be refused as degenerate
  const kept = (r: Ring) => r.length >= 3 && area([{ exterior: r, holes: [] }]) >= 0.25;
  return found.coordinates
    .map(([exterior, ...holes]) => ({ exterior: ring(exterior), holes: holes.map(ring).filter(kept) }))
    .filter((shape) => kept(shape.exterior));
}

type Ort = typeof import("onnxruntime-web");

let runtime: Promise<Ort> | null = null;
const sessions = new Map<string, Promise<InferenceSession>>();

/** WASM threads: only a cross-origin isolated page may share memory with workers (seglab serve sends COOP and COEP:
 * seglab/server/security_headers.py). Half the cores, at most 4 (onnxruntime-web's own rule), leaving the others to
 * the page and the browser: on a busy 2-core machine two threads answered hovers 0.8x as fast as one
 * (benchmarks/smart_polygon_latency.py, isolated vs not), so two cores keep one thread. */
export function wasmThreads(isolated: boolean, cores: number | undefined): number {
  return isolated ? Math.max(1, Math.min(Math.ceil((cores ?? 1) / 2), 4)) : 1;
}

function loadRuntime(): Promise<Ort> {
  runtime ??= import("onnxruntime-web").then((ort) => {
    ort.env.logLevel = "error";
    ort.env.wasm.numThreads = wasmThreads(globalThis.crossOriginIsolated === true, globalThis.navigator?.hardwareConcurrency);
    return ort;
  });
  return runtime;
}

function session(ort: Ort, url: string): Promise<InferenceSession> {
  let found = sessions.get(url);
  if (!found) {
    const gpu = typeof navigator !== "undefined" && "gpu" in navigator;
    found = fetch(url, { credentials: "same-origin" })
      .then((answer) => {
        if (!answer.ok) throw new Error(`decoder ${url}: ${answer.status}`);
        return answer.arrayBuffer();
      })
      .then((bytes) => ort.InferenceSession.create(new Uint8Array(bytes), {
        executionProviders: gpu ? ["webgpu", "wasm"] : ["wasm"],
        graphOptimizationLevel: "all",
      }));
    found.catch(() => sessions.delete(url));
    sessions.set(url, found);
  }
  return found;
}

/** An image's embedding and the decoder for it, ready for prompts. */
export class SmartDecoder {
  /** The INT8 decoder for hover previews, once loaded (./hoverDecoderUrl). */
  private hoverSession: InferenceSession | null = null;

  private constructor(
    private readonly ort: Ort,
    private readonly session: InferenceSession,
    readonly model: string,
    readonly width: number,
    readonly height: number,
    private readonly image: Record<string, Tensor>,
  ) {}

  static async open(ort: Ort, body: ArrayBuffer): Promise<SmartDecoder> {
    const { header, arrays } = parseEmbedding(body);
    const image: Record<string, Tensor> = {};
    for (const entry of header.arrays) image[entry.name] = new ort.Tensor("float32", arrays.get(entry.name)!, entry.shape);
    const [width, height] = header.image_wh;
    const decoder = new SmartDecoder(ort, await session(ort, header.decoder), header.model, width, height, image);
    // hovers use the exact decoder until the INT8 one has loaded, and for good where it cannot
    session(ort, hoverDecoderUrl(header.decoder)).then((hover) => { decoder.hoverSession = hover; }, () => {});
    return decoder;
  }

  /** The mask for a prompt (the server's choice among SAM's masks: see seglab/assist/embedding_wire.decoder_feeds). */
  async decode({ points, box, previous, hover }: Prompt): Promise<Decoded> {
    const coords: number[] = [];
    const labels: number[] = [];
    if (box) coords.push(...box), labels.push(2, 3);
    for (const p of points) coords.push(p.x, p.y), labels.push(p.label);
    const { Tensor } = this.ort;
    const ambiguous = points.length === 1 && !box && !previous;
    const start = performance.now();
    const answer = await ((hover && this.hoverSession) || this.session).run({
      ...this.image,
      point_coords: new Tensor("float32", Float32Array.from(coords), [1, labels.length, 2]),
      point_labels: new Tensor("float32", Float32Array.from(labels), [1, labels.length]),
      mask_input: new Tensor("float32", previous ?? new Float32Array(LOW_RES * LOW_RES), [1, 1, LOW_RES, LOW_RES]),
      has_mask_input: new Tensor("float32", Float32Array.of(previous ? 1 : 0), [1]),
      orig_im_size: new Tensor("float32", Float32Array.of(this.height, this.width), [2]),
      multimask: new Tensor("float32", Float32Array.of(ambiguous ? 1 : 0), [1]),
    });
    const decoded = {
      logits: (await answer.low_res_logits.getData()) as Float32Array,
      score: ((await answer.score.getData()) as Float32Array)[0],
    };
    performance.measure("seglab-smart-decode", { start }); // the model alone (benchmarks/smart_polygon_latency.py)
    return decoded;
  }

  /** A hover preview's outline (fast: traced on the 256x256 logits). */
  preview(decoded: Decoded, detail: number): Shape[] {
    return logitsToShapes(decoded.logits, this.width, this.height, detail);
  }

  /** A click's outline, traced on the mask at the image's size (the server's mask: see ./maskShapes). */
  shapes(decoded: Decoded, detail: number): Shape[] {
    return maskShapes(decoded.logits, this.width, this.height, detail);
  }
}

/** The in-browser decoder for an image, or null where the server must answer (no WebAssembly, a model without an
 * in-browser decoder, or any failure to load it). */
export async function openDecoder(imageId: number): Promise<SmartDecoder | null> {
  if (typeof WebAssembly !== "object") return null;
  try {
    const answer = await fetch(`/api/v1/assist/embedding/${imageId}?dtype=float16`, { credentials: "same-origin" });
    if (!answer.ok) return null;
    const [ort, body] = await Promise.all([loadRuntime(), answer.arrayBuffer()]);
    return await SmartDecoder.open(ort, body);
  } catch {
    return null;
  }
}
