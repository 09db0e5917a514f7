// The grid grouped by video: each run of a video's frames (in the grid's order, which is frame order within an
// upload) starts a new row under a header naming the video; loose images flow as before. Geometry only, so the
// grid still renders and fetches just the tiles on screen, whatever the number of videos.

import { GAP, layout, ROW_HEIGHT, visibleRange } from "./layout";

/** Height of a video's header row (its bar plus a gap). */
export const HEADER_HEIGHT = 44;

/** `count` images from `offset` (in the grid's order) that are frames of one video (the server's video-runs). */
export interface VideoRun { video_id: number; offset: number; count: number }

/** Images `[start, start + count)`, laid out from `top`: under a header when they are one video's frames. */
export interface Section { start: number; count: number; top: number; videoId: number | null }

export interface SectionedLayout { width: number; columns: number; tileWidth: number; sections: Section[]; height: number }

/** Where the first row of a section's tiles is (below its header, if any). */
function rowsTop(section: Section): number {
  return section.top + (section.videoId === null ? 0 : HEADER_HEIGHT);
}

export function sectionedLayout(width: number, total: number, runs: readonly VideoRun[]): SectionedLayout {
  const { columns, tileWidth } = layout(width, total);
  const sections: Section[] = [];
  let top = 0;
  let next = 0;
  const add = (start: number, end: number, videoId: number | null) => {
    if (end <= start) return;
    const section = { start, count: end - start, top, videoId };
    sections.push(section);
    top = rowsTop(section) + Math.ceil(section.count / columns) * ROW_HEIGHT;
  };
  for (const run of runs) {
    if (run.offset < next || run.offset >= total) continue; // a stale answer (the images changed meanwhile)
    add(next, run.offset, null);
    next = Math.min(total, run.offset + run.count);
    add(run.offset, next, run.video_id);
  }
  add(next, total, null);
  return { width, columns, tileWidth, sections, height: Math.max(0, top - GAP) };
}

/** A tile's position: its section's rows, wrapped at the layout's columns. */
export function tilePosition(grid: SectionedLayout, section: Section, index: number): { left: number; top: number } {
  const within = index - section.start;
  return {
    left: (within % grid.columns) * (grid.tileWidth + GAP),
    top: rowsTop(section) + Math.floor(within / grid.columns) * ROW_HEIGHT,
  };
}

/** The tiles (each with its section) and the video headers within (or near) the viewport. */
export function visibleTiles(
  grid: SectionedLayout, scrolledPast: number, viewportHeight: number,
): { tiles: [index: number, section: Section][]; headers: Section[] } {
  const tiles: [number, Section][] = [];
  const headers: Section[] = [];
  for (const section of grid.sections) {
    const rows = layout(grid.width, section.count);
    const [first, end] = visibleRange(rows, section.count, scrolledPast - rowsTop(section), viewportHeight);
    if (end > first && section.videoId !== null) headers.push(section);
    for (let within = first; within < end; within++) tiles.push([section.start + within, section]);
  }
  return { tiles, headers };
}
