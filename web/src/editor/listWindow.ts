// Which rows of a long list to render: those in its scrolled view, and a few either side so a quick scroll never
// shows a gap. The annotation list renders only these once an image has thousands of annotations.

/** The rows `[first, end)` to render for a view `viewHeight` high scrolled `scrollTop` down a list of `count`
 * rows `rowHeight` high each. */
export function rowWindow(scrollTop: number, viewHeight: number, rowHeight: number, count: number, overscan = 10): [number, number] {
  const first = Math.max(0, Math.floor(scrollTop / rowHeight) - overscan);
  const end = Math.min(count, Math.ceil((scrollTop + viewHeight) / rowHeight) + overscan);
  return [first, Math.max(first, end)];
}

/** The scroll position that brings row `index` into a view (unchanged when it is already in view). */
export function scrollToRow(scrollTop: number, viewHeight: number, rowHeight: number, index: number): number {
  const top = index * rowHeight;
  if (top < scrollTop) return top;
  if (top + rowHeight > scrollTop + viewHeight) return top + rowHeight - viewHeight;
  return scrollTop;
}
