import { expect, test } from "vitest";
import {
  halfToFloat, hoverDecoderUrl, LOW_RES, logitsToMask, logitsToShapes, maskShapes, parseEmbedding, wasmThreads,
} from "./smartDecoder";

function body(header: object, data: Uint8Array): ArrayBuffer {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const padded = json.length + ((8 - ((4 + json.length) % 8)) % 8);
  const out = new Uint8Array(4 + padded + data.length).fill(32, 4, 4 + padded);
  new DataView(out.buffer).setUint32(0, padded, true);
  out.set(json, 4);
  out.set(data, 4 + padded);
  return out.buffer;
}

test("half floats decode as IEEE 754 binary16", () => {
  expect(Array.from(halfToFloat(Uint16Array.of(0x3c00, 0xc000, 0x3555, 0x0001, 0x7c00, 0)))).toEqual([
    1, -2, 0.333251953125, 2 ** -24, Infinity, 0,
  ]);
});

test("the embedding body gives its header and its arrays at their offsets", () => {
  const values = Uint16Array.of(0x3c00, 0x4000, 0x4200, 0, 0xbc00, 0, 0, 0);
  const header = { model: "m", image_wh: [3, 2], dtype: "float16", decoder: "/d.onnx", arrays: [
    { name: "a", shape: [1, 3], offset: 0 }, { name: "b", shape: [1], offset: 8 }] };
  const { header: read, arrays } = parseEmbedding(body(header, new Uint8Array(values.buffer)));
  expect(read.decoder).toBe("/d.onnx");
  expect(Array.from(arrays.get("a")!)).toEqual([1, 2, 3]);
  expect(Array.from(arrays.get("b")!)).toEqual([-1]);
});

test("logits upscale to the image bilinearly and outline the mask by pixel edges", () => {
  const logits = new Float32Array(LOW_RES * LOW_RES).fill(-1);
  for (let y = 64; y < 128; y++) for (let x = 32; x < 96; x++) logits[y * LOW_RES + x] = 1;
  const mask = logitsToMask(logits, 512, 512); // 2x: the square is 128x128 pixels from (64, 128)
  expect(mask.reduce((a, b) => a + b, 0)).toBe(128 * 128);
  expect(mask[130 * 512 + 70]).toBe(1);
  expect(mask[126 * 512 + 70]).toBe(0);
  const [shape] = maskShapes(logits, 512, 512, 1);
  const xs = shape.exterior.map(([x]) => x);
  expect([Math.min(...xs), Math.max(...xs)]).toEqual([64, 192]); // pixel edges (marching squares cut the corners)
});

test("WASM threads: half the cores (up to 4) only on a cross-origin isolated page, else one", () => {
  expect(wasmThreads(true, 2)).toBe(1);
  expect(wasmThreads(true, 8)).toBe(4);
  expect(wasmThreads(true, 6)).toBe(3);
  expect(wasmThreads(true, 32)).toBe(4);
  expect(wasmThreads(true, undefined)).toBe(1);
  expect(wasmThreads(false, 16)).toBe(1);
});

test("hover previews ask for the decoder's INT8 sibling", () => {
  expect(hoverDecoderUrl("/api/v1/assist/decoders/sam2.1-hiera-tiny/ff2c66a8132c698d.onnx"))
    .toBe("/api/v1/assist/decoders/sam2.1-hiera-tiny/ff2c66a8132c698d-int8.onnx");
});

test("outlines are traced around what is inside only, in the whole grid's coordinates", () => {
  const logits = new Float32Array(LOW_RES * LOW_RES).fill(-1);
  for (let y = 100; y < 110; y++) for (let x = 200; x < 220; x++) logits[y * LOW_RES + x] = 1; // in the middle
  for (let y = 0; y < 5; y++) for (let x = LOW_RES - 6; x < LOW_RES; x++) logits[y * LOW_RES + x] = 1; // at a corner
  const shapes = logitsToShapes(logits, LOW_RES * 2, LOW_RES, 1); // twice as wide as the grid
  const bounds = shapes.map(({ exterior }) => {
    const xs = exterior.map(([x]) => x);
    const ys = exterior.map(([, y]) => y);
    return [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
  }).sort((a, b) => a[0] - b[0]);
  // the same outline as tracing the whole grid gives, where each cell is a unit square at its index
  expect(bounds).toEqual([[400, 100, 440, 110], [500, 0, 512, 5]]);
});
