import { PointerEvent, ReactNode, useRef, useState } from "react";
import type { Example } from "./api";
import { boxFrom } from "./api";

/** A preview image on which a box can be drawn (press, drag, release) to add it as an example prompt: "more like
 * this", or "not like this". The examples already on this image are drawn dashed (green: more, red: not). */
export function ExampleCanvas({ imageId, width, height, examples, onBox, children }: {
  imageId: number; width: number; height: number; examples: Example[];
  onBox(box: [number, number, number, number]): void; children: ReactNode;
}) {
  const overlay = useRef<SVGSVGElement>(null);
  const [start, setStart] = useState<[number, number] | null>(null);
  const [end, setEnd] = useState<[number, number] | null>(null);
  const at = (event: PointerEvent): [number, number] => {
    const matrix = overlay.current?.getScreenCTM()?.inverse();
    if (!matrix) return [0, 0];
    const point = new DOMPoint(event.clientX, event.clientY).matrixTransform(matrix);
    return [Math.min(width, Math.max(0, point.x)), Math.min(height, Math.max(0, point.y))];
  };
  const finish = (event: PointerEvent) => {
    const box = start && boxFrom(start, at(event));
    setStart(null);
    setEnd(null);
    if (box) onBox(box);
  };
  const drawing = start && end && boxFrom(start, end);
  const stroke = Math.max(1, width / 200);
  return (
    <div className="example-canvas">
      {children}
      <svg ref={overlay} className="example-overlay" viewBox={`0 0 ${width} ${height}`} aria-label={`draw an example on image ${imageId}`}
        onPointerDown={(e) => { e.currentTarget.setPointerCapture(e.pointerId); setStart(at(e)); setEnd(at(e)); }}
        onPointerMove={(e) => start && setEnd(at(e))} onPointerUp={finish}>
        {examples.filter((e) => e.image_id === imageId).map((example, i) => (
          <rect key={i} data-testid="example-box" x={example.box[0]} y={example.box[1]} width={example.box[2] - example.box[0]}
            height={example.box[3] - example.box[1]} fill="none" stroke={example.positive ? "#3cb44b" : "#e6194b"}
            strokeWidth={stroke} strokeDasharray={`${4 * stroke} ${2 * stroke}`} />
        ))}
        {drawing && <rect x={drawing[0]} y={drawing[1]} width={drawing[2] - drawing[0]} height={drawing[3] - drawing[1]}
          fill="none" stroke="#fff" strokeWidth={stroke} />}
      </svg>
    </div>
  );
}

/** The example prompts so far, each removable, and whether a new box is "more like this" or "not like this". */
export function ExampleList({ examples, setExamples, positive, setPositive, classes }: {
  examples: Example[]; setExamples(examples: Example[]): void; positive: boolean; setPositive(positive: boolean): void;
  classes: string[];
}) {
  return (
    <div className="fields example-list" data-testid="examples">
      <label>New boxes
        <select aria-label="example kind" value={positive ? "more" : "not"} onChange={(e) => setPositive(e.target.value === "more")}>
          <option value="more">more like this</option>
          <option value="not">not like this</option>
        </select>
      </label>
      <span className="muted small">
        {examples.length ? "" : "Draw a box on a preview image to add an example (SAM 3)."}
      </span>
      {examples.map((example, i) => (
        <span key={i} className="example-chip">
          {example.positive ? "more like" : "not like"} image {example.image_id} ({example.box.map(Math.round).join(", ")})
          {example.class_name && classes.length > 1 ? ` → ${example.class_name}` : ""}
          <button type="button" className="link" aria-label={`remove example ${i + 1}`}
            onClick={() => setExamples(examples.filter((_, j) => j !== i))}>✕</button>
        </span>
      ))}
    </div>
  );
}
