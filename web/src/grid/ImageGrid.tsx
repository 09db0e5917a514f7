import { keepPreviousData, useQueries, useQuery } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";
import { Link } from "react-router";
import { api } from "../api";
import { keys } from "../queries";
import { PAGE_SIZE, pagesFor } from "./layout";
import { VideoHeader } from "./VideoHeader";
import { sectionedLayout, tilePosition, visibleTiles } from "./videoSections";

interface Props {
  project: string;
  /** The filters as the server's query. */
  query: Record<string, string>;
  total: number;
  selection: ReadonlySet<number>;
  onToggle(imageId: number): void;
  /** Draw each image's annotations on its thumbnail (in class colours). */
  showAnnotations: boolean;
}

/** A virtualised grid: tiles exist only for the images on (or near) the screen, and their pages are fetched
 * when they come into view, so scrolling 10,000 images stays as light as showing 100. Thumbnails, not originals.
 * A video's frames are grouped under a header per video (where they lie is asked once, not read from every page). */
export function ImageGrid({ project, query, total, selection, onToggle, showAnnotations }: Props) {
  const container = useRef<HTMLDivElement>(null);
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

  const tiles = [];
  for (const [index, section] of inView) {
    const image = pages[pageNumbers.indexOf(Math.floor(index / PAGE_SIZE))]?.data?.items[index % PAGE_SIZE];
    const style = { ...tilePosition(grid, section, index), width: grid.tileWidth };
    tiles.push(
      image ? (
        <li key={image.id} style={style} className={selection.has(image.id) ? "chosen" : ""}>
          <Link to={`/images/${image.id}`}>
            <img src={`/api/v1/images/${image.id}/thumbnail?size=256${showAnnotations ? "&annotations=true" : ""}`}
              alt={image.file_name} loading="lazy" />
            <span className={`status ${image.status}`}>
              {image.video_id !== null && image.video_id !== undefined ? `▶ ${image.frame_index} · ` : ""}{image.file_name}
            </span>
          </Link>
          <input type="checkbox" aria-label={`select ${image.file_name}`} checked={selection.has(image.id)}
            onChange={() => onToggle(image.id)} />
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
