import { describe, expect, it } from "vitest";
import { GAP, OVERSCAN_ROWS, ROW_HEIGHT } from "./layout";
import { HEADER_HEIGHT, sectionedLayout, tilePosition, visibleTiles } from "./videoSections";

describe("the grid grouped by video", () => {
  it("lays out loose images as before when there is no video", () => {
    const grid = sectionedLayout(1000, 12, []);
    expect(grid.columns).toBe(5);
    expect(grid.sections).toEqual([{ start: 0, count: 12, top: 0, videoId: null }]);
    expect(grid.height).toBe(3 * ROW_HEIGHT - GAP);
    expect(tilePosition(grid, grid.sections[0], 7)).toEqual({ left: 2 * (grid.tileWidth + GAP), top: ROW_HEIGHT });
  });

  it("starts each video's frames on a new row under its header, loose images around them", () => {
    // 3 loose images, 7 frames of video 4, 2 loose, 5 frames of video 9
    const grid = sectionedLayout(1000, 17, [{ video_id: 4, offset: 3, count: 7 }, { video_id: 9, offset: 12, count: 5 }]);
    expect(grid.sections.map((s) => [s.start, s.count, s.videoId])).toEqual([
      [0, 3, null], [3, 7, 4], [10, 2, null], [12, 5, 9],
    ]);
    const [, video, loose, second] = grid.sections;
    expect(video.top).toBe(ROW_HEIGHT);
    expect(tilePosition(grid, video, 3)).toEqual({ left: 0, top: ROW_HEIGHT + HEADER_HEIGHT }); // frame 0
    expect(tilePosition(grid, video, 8).top).toBe(2 * ROW_HEIGHT + HEADER_HEIGHT); // frame 5: the second row
    expect(loose.top).toBe(3 * ROW_HEIGHT + HEADER_HEIGHT);
    expect(second.top).toBe(4 * ROW_HEIGHT + HEADER_HEIGHT);
    expect(grid.height).toBe(5 * ROW_HEIGHT + 2 * HEADER_HEIGHT - GAP);
  });

  it("renders only the tiles and headers in view, however many videos", () => {
    // 500 videos of 20 frames each: 10,000 images
    const runs = Array.from({ length: 500 }, (_, i) => ({ video_id: i + 1, offset: i * 20, count: 20 }));
    const grid = sectionedLayout(1000, 10_000, runs);
    const top = visibleTiles(grid, 0, 800);
    expect(top.tiles[0][0]).toBe(0);
    expect(top.headers[0].videoId).toBe(1);
    const deep = grid.sections[300].top;
    const { tiles, headers } = visibleTiles(grid, deep, 800);
    expect(headers.map((h) => h.videoId)).toContain(301);
    expect(tiles.length).toBeLessThan((Math.ceil(800 / ROW_HEIGHT) + 2 * OVERSCAN_ROWS + 2) * grid.columns);
    const indices = tiles.map(([index]) => index);
    expect(indices).toEqual(Array.from({ length: indices.length }, (_, i) => indices[0] + i)); // one contiguous range
    expect(indices).toContain(6000);
  });

  it("ignores a run past the images (a stale answer while the filters change)", () => {
    const grid = sectionedLayout(1000, 5, [{ video_id: 2, offset: 3, count: 10 }, { video_id: 3, offset: 40, count: 5 }]);
    expect(grid.sections.map((s) => [s.start, s.count, s.videoId])).toEqual([[0, 3, null], [3, 2, 2]]);
  });
});
