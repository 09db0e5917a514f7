// Ticking images in the grid: one, or (Shift+click) the whole run from the last ticked tile, as in file managers
// and Gmail. The run takes the state the clicked tile gets.

/** The selection with these images ticked (`on`) or unticked. */
export function ticked(selection: ReadonlySet<number>, imageIds: readonly number[], on: boolean): Set<number> {
  const next = new Set(selection);
  for (const id of imageIds) {
    if (on) next.add(id);
    else next.delete(id);
  }
  return next;
}

/** The ids of the grid's tiles from index `a` to `b` (either order, both included), read from the pages loaded;
 * `null` when one of them is not loaded (the caller then asks the server for the ids). */
export function rangeIds(a: number, b: number, idAt: (index: number) => number | undefined): number[] | null {
  const ids: number[] = [];
  for (let index = Math.min(a, b); index <= Math.max(a, b); index++) {
    const id = idAt(index);
    if (id === undefined) return null;
    ids.push(id);
  }
  return ids;
}
