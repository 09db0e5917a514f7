import { Geometry } from "../api";
import { pathOf } from "./api";

export interface Shape { key: string | number; geometry: Geometry; color: string; label?: string; box?: number[] }

/** An image with shapes drawn over it, in image pixels; `view` (x0, y0, x1, y1) shows only that part (a crop). */
export function Drawn({ imageId, width, height, shapes, view, label }: {
  imageId: number; width: number; height: number; shapes: Shape[]; view?: number[]; label: string;
}) {
  const [x0, y0, x1, y1] = view ?? [0, 0, width, height];
  const stroke = Math.max(1, (x1 - x0) / 200);
  return (
    <svg className="drawn" viewBox={`${x0} ${y0} ${x1 - x0} ${y1 - y0}`} role="img" aria-label={label}>
      <image href={`/api/v1/images/${imageId}/file`} x={0} y={0} width={width} height={height} />
      {shapes.map((shape) => (
        <g key={shape.key} data-testid="drawn-shape">
          <path d={pathOf(shape.geometry)} fill={shape.color} fillOpacity={0.35} stroke={shape.color}
            strokeWidth={stroke} fillRule="evenodd" />
          {shape.label && shape.box && (
            <text x={shape.box[0] + stroke} y={shape.box[1] + 12 * stroke} fontSize={11 * stroke} fill="#fff"
              stroke="#000" strokeWidth={stroke / 3} paintOrder="stroke">{shape.label}</text>
          )}
        </g>
      ))}
    </svg>
  );
}

/** A box grown by a margin on every side (a share of its size, at least `least` pixels), kept inside the image. */
export function around(box: number[], width: number, height: number, share = 0.25, least = 12): number[] {
  const [x0, y0, x1, y1] = box;
  const margin = Math.max(least, share * Math.max(x1 - x0, y1 - y0));
  return [Math.max(0, x0 - margin), Math.max(0, y0 - margin), Math.min(width, x1 + margin), Math.min(height, y1 + margin)];
}
