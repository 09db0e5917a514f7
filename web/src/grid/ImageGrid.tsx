import { keepPreviousData, useQueries, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";
import { Link } from "react-router";
import { api, ImageRecord } from "../api";
import { keys } from "../queries";
import { PAGE_SIZE, pagesFor } from "./layout";
import { rangeIds } from "./selection";
import { StatusBadges } from "./StatusBadges";
import { VideoHeader } from "./VideoHeader";
import { sectionedLayout, tilePosition, visibleTiles } from "./videoSections";
import "./grid.css";

interface Props {
  project: string;
  /** The filters as the server's query. */
  query: Record<string, string>;
  total: number;
  selection: ReadonlySet<number>;
  /** Tick (`on`) or untick images: one, or a Shift+click's run from the last ticked tile. */
  onTick(imageIds: number[], on: boolean): void;
  /** The grid's filters as a URL search (`?status=unannotated`): an opened image's next / previous follow them. */
  linkSearch: string;
  /** Draw each image's annotations on its thumbnail (in class colours). */
  showAnnotations: boolean;
}

/** A virtualised grid: tiles exist only for the images on (or near) the screen, and their pages are fetched
 * when they come into view, so scrolling 10,000 images stays as light as showing 100. Thumbnails, not originals.
 * A video's frames are grouped under a header per video (where they lie is asked once, not read from every page). */
export function ImageGrid({ project, query, total, selection, onTick, linkSearch, showAnnotations }: Props) {
  const container = useRef<HTMLDivElement>(null);
  const client = useQueryClient();
  /** The tile ticked last: a Shift+click ticks the run from it. */
  const anchor = useRef<number | null>(null);
  const filterKey = JSON.stringify(query);
  useEffect(() => { anchor.current = null; }, [filterKey]); // another filter: the indexes mean other images
  const [viewport, setViewport] = useState({ width: 0, scrolledPast: 0, height: window.innerHeight });

  useEffect(() => {
    const measure = () => {
      const box = container.current?.getBoundingClientRect();
      if (box) setViewport({ width: box.width, scrolledPast: Math.max(0, -box.top), height: window.innerHeight });
    };
    measure();
    window.addEventListener("scroll", measure, { passive: true });
    window.addEventListener("resize", measure);
    return () => {
      window.removeEventListener("scroll", measure);
      window.removeEventListener("resize", measure);
    };
  }, []);

  const runs = useQuery({
    queryKey: [...keys.images(project), query, "video-runs"],
    queryFn: () => api.videoRuns(project, query),
    placeholderData: keepPreviousData,
  });
  const videos = useQuery({ queryKey: keys.videos(project), queryFn: () => api.videos(project) });
  const grid = sectionedLayout(viewport.width, total, runs.data ?? []);
  const { tiles: inView, headers } = visibleTiles(grid, viewport.scrolledPast, viewport.height);

  // the pages in view, each fetched once and cached (page 0 is the one the project page already asked for)
  const pageNumbers = inView.length ? pagesFor(inView[0][0], inView[inView.length - 1][0] + 1) : [];
  const pages = useQueries({
    queries: pageNumbers.map((page) => ({
      queryKey: keys.imagePage(project, query, page),
      queryFn: () => api.images(project, page * PAGE_SIZE, query),
    })),
  });

  /** The id of the tile at an index, if its page has been loaded. */
  const idAt = (index: number) =>
    client.getQueryData<{ items: ImageRecord[] }>(keys.imagePage(project, query, Math.floor(index / PAGE_SIZE)))?.items[index % PAGE_SIZE]?.id;

  async function tick(index: number, imageId: number, shift: boolean) {
    const on = !selection.has(imageId);
    const from = anchor.current;
    anchor.current = index;
    if (!shift || from === null || from === index) { onTick([imageId], on); return; }
    // a run whose pages were not all loaded (scrolled far): the server's ids in the grid's order
    const ids = rangeIds(from, index, idAt) ?? (await api.imageIds(project, query)).ids.slice(Math.min(from, index), Math.max(from, index) + 1);
    onTick(ids, on);
  }

  const tiles = [];
  for (const [index, section] of inView) {
    const image = pages[pageNumbers.indexOf(Math.floor(index / PAGE_SIZE))]?.data?.items[index % PAGE_SIZE];
    const style = { ...tilePosition(grid, section, index), width: grid.tileWidth };
    tiles.push(
      image ? (
        <li key={image.id} style={style} className={selection.has(image.id) ? "chosen" : ""}>
          <Link to={`/images/${image.id}${linkSearch}`}>
            <img src={`/api/v1/images/${image.id}/thumbnail?size=256${showAnnotations ? "&annotations=true" : ""}`}
              alt={image.file_name} loading="lazy" />
            <StatusBadges status={image.status} proposals={image.proposals ?? 0} />
            <span className={`status ${image.status}`}>
              {image.video_id !== null && image.video_id !== undefined ? `▶ ${image.frame_index} · ` : ""}{image.file_name}
            </span>
          </Link>
          <input type="checkbox" aria-label={`select ${image.file_name}`} checked={selection.has(image.id)} readOnly
            title="tick (Shift+click: every image from the last ticked one)"
            onClick={(e) => { tick(index, image.id, e.shiftKey).catch(() => undefined); }} />
        </li>
      ) : (
        <li key={`loading-${index}`} style={style} className="loading" aria-hidden />
      ),
    );
  }
  return (
    <div ref={container} className="virtual-grid" style={{ height: grid.height }}>
      {headers.map((section) => (
        <VideoHeader key={`${section.videoId}-${section.start}`} videoId={section.videoId!} top={section.top}
          video={videos.data?.find((v) => v.id === section.videoId)} />
      ))}
      <ul className="grid" data-testid="image-grid">{tiles}</ul>
    </div>
  );
}
