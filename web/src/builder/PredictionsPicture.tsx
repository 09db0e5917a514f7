import { useEffect, useState } from "react";
import { PALETTE } from "../colors";
import type { Predictions } from "./inspect";

type Point = { x: number; y: number };

function outline(prediction: Record<string, unknown>): string {
  const points = Array.isArray(prediction.points) ? (prediction.points as Point[]) : [];
  if (points.length) return points.map((p) => `${p.x},${p.y}`).join(" ");
  const { x, y, width, height } = prediction as Record<string, number>;  // no mask: the box
  return [[x - width / 2, y - height / 2], [x + width / 2, y - height / 2], [x + width / 2, y + height / 2], [x - width / 2, y + height / 2]]
    .map(([px, py]) => `${px},${py}`).join(" ");
}

/** The masks a step produced, drawn on the image the workflow ran on (one colour per class); what it dropped of
 * what it was given, outlined in dashes. */
export function PredictionsPicture({ image, predictions, dropped = [] }: { image: File | null; predictions: Predictions; dropped?: Record<string, unknown>[] }) {
  const [src, setSrc] = useState("");
  useEffect(() => {
    if (!image) return;
    const url = URL.createObjectURL(image);
    setSrc(url);
    return () => URL.revokeObjectURL(url);
  }, [image]);
  const size = (predictions.image ?? {}) as { width?: number; height?: number };
  if (!size.width || !size.height) return null;
  const classes = [...new Set(predictions.predictions.map((p) => String(p.class)))];
  return (
    <svg className="builder-picture" viewBox={`0 0 ${size.width} ${size.height}`} role="img" aria-label="predictions drawn">
      {src && <image href={src} width={size.width} height={size.height} />}
      {predictions.predictions.map((p, index) => (
        <polygon key={index} points={outline(p)} fill={PALETTE[classes.indexOf(String(p.class)) % PALETTE.length]} fillOpacity={0.45}
          stroke={PALETTE[classes.indexOf(String(p.class)) % PALETTE.length]}><title>{`${String(p.class)} ${Number(p.confidence ?? 0).toFixed(2)}`}</title></polygon>
      ))}
      {dropped.map((p, index) => (
        <polygon key={`d${index}`} points={outline(p)} fill="none" stroke="#b42318" strokeDasharray="3 2"><title>{`dropped ${String(p.class)}`}</title></polygon>
      ))}
    </svg>
  );
}
