// The image grid's geometry: which tiles are on screen and which pages of images they need. Only those are
// rendered and fetched, so a project of 10,000 images costs what one screenful costs.

export const PAGE_SIZE = 100;
export const TILE_MIN_WIDTH = 170;
export const ROW_HEIGHT = 168;
export const GAP = 8;
/** Rows drawn above and below the screen, so a fast scroll does not show blanks. */
export const OVERSCAN_ROWS = 2;

export interface GridLayout { columns: number; tileWidth: number; rows: number; height: number }

export function layout(width: number, total: number): GridLayout {
  const columns = Math.max(1, Math.floor((width + GAP) / (TILE_MIN_WIDTH + GAP)));
  const tileWidth = (width - (columns - 1) * GAP) / columns;
  const rows = Math.ceil(total / columns);
  return { columns, tileWidth, rows, height: Math.max(0, rows * ROW_HEIGHT - GAP) };
}

/** The indices `[first, end)` of the tiles within (or near) the viewport, given how far the grid's top is above it. */
export function visibleRange(grid: GridLayout, total: number, scrolledPast: number, viewportHeight: number): [number, number] {
  const firstRow = Math.max(0, Math.floor(scrolledPast / ROW_HEIGHT) - OVERSCAN_ROWS);
  const lastRow = Math.min(grid.rows, Math.ceil((scrolledPast + viewportHeight) / ROW_HEIGHT) + OVERSCAN_ROWS);
  return [Math.min(total, firstRow * grid.columns), Math.min(total, Math.max(firstRow, lastRow) * grid.columns)];
}

/** The pages (of `PAGE_SIZE` images, by offset order) that hold the tiles `[first, end)`. */
export function pagesFor(first: number, end: number): number[] {
  if (end <= first) return [];
  const pages: number[] = [];
  for (let page = Math.floor(first / PAGE_SIZE); page <= Math.floor((end - 1) / PAGE_SIZE); page++) pages.push(page);
  return pages;
}
