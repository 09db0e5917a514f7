// A line diff (longest common subsequence) for showing how the agent changed a definition: before → after.

export type DiffLine = { kind: "same" | "added" | "removed"; text: string };
export type DiffHunk = DiffLine | { kind: "skipped"; count: number };

/** Lines of `after` against `before`: kept, added and removed lines in reading order (removals first). */
export function lineDiff(before: string[], after: string[]): DiffLine[] {
  const n = before.length;
  const m = after.length;
  // common[i][j]: length of the longest common subsequence of before[i:] and after[j:]
  const common: Uint32Array[] = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      common[i][j] = before[i] === after[j] ? common[i + 1][j + 1] + 1 : Math.max(common[i + 1][j], common[i][j + 1]);
    }
  }
  const lines: DiffLine[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && before[i] === after[j]) {
      lines.push({ kind: "same", text: before[i] });
      i++; j++;
    } else if (i < n && (j === m || common[i + 1][j] >= common[i][j + 1])) {
      lines.push({ kind: "removed", text: before[i++] });
    } else {
      lines.push({ kind: "added", text: after[j++] });
    }
  }
  return lines;
}

/** The diff with runs of unchanged lines longer than 2 × `context` folded into one "skipped" entry. */
export function withContext(lines: DiffLine[], context = 2): DiffHunk[] {
  const changed = lines.map((line) => line.kind !== "same");
  const near = lines.map((_, index) => {
    for (let k = Math.max(0, index - context); k <= Math.min(lines.length - 1, index + context); k++) {
      if (changed[k]) return true;
    }
    return false;
  });
  const hunks: DiffHunk[] = [];
  lines.forEach((line, index) => {
    if (near[index]) {
      hunks.push(line);
      return;
    }
    const last = hunks[hunks.length - 1];
    if (last && last.kind === "skipped") last.count++;
    else hunks.push({ kind: "skipped", count: 1 });
  });
  return hunks;
}

/** A definition as the lines of its indented JSON (none for no definition). */
export function definitionLines(definition: unknown): string[] {
  return definition ? JSON.stringify(definition, null, 2).split("\n") : [];
}
