import type { Schemas } from "../api";
import type { VersionPreview } from "./api";

const PALETTE = ["#e8590c", "#1c7ed6", "#0ca678", "#d6336c", "#f59f00", "#7048e8", "#0b7285"];

export function categoryColour(categories: Schemas["Category"][], id: number): string {
  const index = categories.findIndex((c) => c.id === id);
  return categories[index]?.color ?? PALETTE[Math.max(0, index) % PALETTE.length];
}

/** SVG path data of a polygon geometry: every part and hole, filled even-odd so holes stay open. */
export function polygonPath(parts: { exterior: number[]; holes: number[][] }[]): string {
  const ring = (flat: number[]) =>
    flat.reduce((path, value, i) => path + (i % 2 === 0 ? `${i ? "L" : "M"}${value} ` : `${value} `), "") + "Z";
  return parts.map((part) => [part.exterior, ...part.holes].map(ring).join(" ")).join(" ");
}

/** Augmented samples as the version would hold them, each with its instances drawn over it. */
export function PreviewGrid({ preview }: { preview: VersionPreview }) {
  if (!preview.samples.length) return <p className="muted">No image passes this recipe's filters.</p>;
  return (
    <ul className="preview-grid">
      {preview.samples.map((sample, index) => (
        <li key={index} data-testid="preview-sample">
          <svg viewBox={`0 0 ${sample.width} ${sample.height}`} role="img" aria-label={`preview of ${sample.file_name}`}>
            <image href={sample.image} width={sample.width} height={sample.height} preserveAspectRatio="none" />
            {sample.instances.map((instance, i) =>
              instance.geometry.type === "polygon" ? (
                <path
                  key={i}
                  d={polygonPath(instance.geometry.parts)}
                  fillRule="evenodd"
                  fill={categoryColour(preview.categories, instance.category_id)}
                  fillOpacity={0.35}
                  stroke={categoryColour(preview.categories, instance.category_id)}
                  strokeWidth={Math.max(1, sample.width / 300)}
                />
              ) : null,
            )}
          </svg>
          <span className="small muted">{sample.file_name} · {sample.width}×{sample.height} · {sample.instances.length} objects</span>
        </li>
      ))}
    </ul>
  );
}
