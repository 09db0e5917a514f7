// A long list that renders only the rows in view (and a few around them), for the editor's annotation list with
// thousands of annotations: React then works on a few dozen rows per scroll step instead of 10,000 per update.
// Rows have one fixed height, so where each row sits is arithmetic, not measurement. Drop-in: the list component
// passes its row renderer; selecting a row scrolls it into view.

import { ReactNode, useEffect, useRef, useState } from "react";

/** The rows `[first, last)` to render for a scroll position, with `overscan` rows beyond each edge. */
export function visibleRange(
  scrollTop: number, viewportHeight: number, rowHeight: number, count: number, overscan = 8,
): [number, number] {
  const first = Math.max(0, Math.floor(scrollTop / rowHeight) - overscan);
  const last = Math.min(count, Math.ceil((scrollTop + viewportHeight) / rowHeight) + overscan);
  return [first, Math.max(first, last)];
}

/** The scroll position that brings row `index` into view (unchanged when it is already in view). */
export function scrollToShow(index: number, scrollTop: number, viewportHeight: number, rowHeight: number): number {
  const top = index * rowHeight;
  if (top < scrollTop) return top;
  if (top + rowHeight > scrollTop + viewportHeight) return top + rowHeight - viewportHeight;
  return scrollTop;
}

interface Props {
  count: number;
  rowHeight: number;
  /** The row at `index`; it is placed absolutely by the list (give it no margin). */
  row(index: number): ReactNode;
  /** A row to keep in view (the selected annotation's). */
  showIndex?: number | null;
  className?: string;
  testId?: string;
}

export function VirtualRows({ count, rowHeight, row, showIndex, className, testId }: Props) {
  const viewport = useRef<HTMLDivElement>(null);
  const [scroll, setScroll] = useState({ top: 0, height: 400 });
  useEffect(() => {
    const element = viewport.current;
    if (!element) return;
    const measure = () => setScroll({ top: element.scrollTop, height: element.clientHeight });
    measure();
    const resized = new ResizeObserver(measure);
    resized.observe(element);
    return () => resized.disconnect();
  }, []);
  useEffect(() => {
    const element = viewport.current;
    if (!element || showIndex === null || showIndex === undefined || showIndex < 0) return;
    element.scrollTop = scrollToShow(showIndex, element.scrollTop, element.clientHeight, rowHeight);
  }, [showIndex, rowHeight]);
  const [first, last] = visibleRange(scroll.top, scroll.height, rowHeight, count);
  const rows = [];
  for (let index = first; index < last; index++) {
    rows.push(
      <div key={index} style={{ position: "absolute", top: index * rowHeight, height: rowHeight, left: 0, right: 0 }}>
        {row(index)}
      </div>,
    );
  }
  return (
    <div
      ref={viewport} className={className} data-testid={testId} style={{ overflowY: "auto", position: "relative" }}
      onScroll={(e) => setScroll({ top: e.currentTarget.scrollTop, height: e.currentTarget.clientHeight })}
    >
      <div style={{ height: count * rowHeight, position: "relative" }}>{rows}</div>
    </div>
  );
}
