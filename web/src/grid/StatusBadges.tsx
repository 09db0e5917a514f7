// An image's status drawn as a badge on its tile (not only the colour of its name), with the proposals waiting on
// it; the legend above the grid says what each badge means.

const STATUS_HELP: Record<string, string> = {
  unannotated: "no annotations yet",
  annotated: "has annotations",
  null: "checked: contains no objects",
  reviewed: "annotations checked",
};

/** The badges of one tile: its status, and how many proposals wait for review on it. */
export function StatusBadges({ status, proposals }: { status: string; proposals: number }) {
  return (
    <span className="badges" data-testid="tile-badges">
      <span className={`status-badge ${status}`} title={STATUS_HELP[status]}>{status}</span>
      {proposals > 0 && (
        <span className="proposals-badge" title={`${proposals} proposal${proposals === 1 ? "" : "s"} waiting for review`}>
          {proposals} to review
        </span>
      )}
    </span>
  );
}

/** What the badges mean. */
export function StatusLegend() {
  return (
    <p className="grid-legend muted" data-testid="grid-legend">
      {Object.keys(STATUS_HELP).map((status) => (
        <span key={status} title={STATUS_HELP[status]}><span className={`status-badge ${status}`}>{status}</span> {STATUS_HELP[status]}</span>
      ))}
      <span><span className="proposals-badge">n to review</span> label-assist proposals waiting</span>
    </p>
  );
}
