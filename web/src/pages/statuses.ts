// An image's status in the words the pages use, in the order progress reads (done first).

export const STATUSES = ["annotated", "reviewed", "null", "unannotated"] as const;
export type Status = (typeof STATUSES)[number];

const LABELS: Record<Status, string> = {
  annotated: "annotated",
  reviewed: "reviewed",
  null: "null (nothing to label)",
  unannotated: "unannotated",
};

export function statusLabel(status: Status): string {
  return LABELS[status];
}
