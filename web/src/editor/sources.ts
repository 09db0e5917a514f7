// An annotation's `source` as the list shows it: words a labelling team uses, not the stored codes.

/** "Smart Polygon", "model #3", "imported", "propagated"…; an unknown source is shown as stored. */
export function sourceName(source: string): string {
  const [kind, rest = ""] = source.split(/:(.*)/s, 2);
  switch (kind) {
    case "manual": return "drawn";
    case "assist": return "Smart Polygon";
    case "model": return /^\d+$/.test(rest) ? `model #${rest}` : rest ? `model (${rest})` : "model";
    case "import": return "imported";
    case "propagate": return rest === "interpolate" ? "interpolated" : "propagated";
    case "workflow": return rest ? `workflow (${rest})` : "workflow";
    case "merge": return "merged";
    case "version": return "from a version";
    case "prediction": return "prediction";
    default: return source;
  }
}

