import { useEffect, useRef, useState } from "react";
import { api, ImageRecord } from "../api";
import { navigate } from "../App";
import { GAP, layout, PAGE_SIZE, pagesFor, ROW_HEIGHT, visibleRange } from "./layout";

interface Props {
  project: string;
  filters: Record<string, string>;
  total: number;
  /** The first page, already fetched with the total. */
  firstPage: ImageRecord[];
  selection: ReadonlySet<number>;
  onToggle(imageId: number): void;
  /** Draw each image's annotations on its thumbnail (in class colours). */
  showAnnotations: boolean;
}

/** A virtualised grid: tiles exist only for the images on (or near) the screen, and their pages are fetched
 * when they come into view, so scrolling 10,000 images stays as light as showing 100. Thumbnails, not originals. */
export function ImageGrid({ project, filters, total, firstPage, selection, onToggle, showAnnotations }: Props) {
  const container = useRef<HTMLDivElement>(null);
  const [pages, setPages] = useState<Map<number, ImageRecord[]>>(() => new Map([[0, firstPage]]));
  const requested = useRef(new Set<number>([0]));
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

  const grid = layout(viewport.width, total);
  const [first, end] = visibleRange(grid, total, viewport.scrolledPast, viewport.height);

  useEffect(() => {
    for (const page of pagesFor(first, end)) {
      if (requested.current.has(page)) continue;
      requested.current.add(page);
      api.images(project, page * PAGE_SIZE, filters)
        .then((answer) => setPages((known) => new Map(known).set(page, answer.items)))
        .catch(() => requested.current.delete(page)); // asked again on the next scroll
    }
  }, [first, end, project, filters]);

  const tiles = [];
  for (let index = first; index < end; index++) {
    const image = pages.get(Math.floor(index / PAGE_SIZE))?.[index % PAGE_SIZE];
    const style = {
      left: (index % grid.columns) * (grid.tileWidth + GAP),
      top: Math.floor(index / grid.columns) * ROW_HEIGHT,
      width: grid.tileWidth,
    };
    tiles.push(
      image ? (
        <li key={image.id} style={style} className={selection.has(image.id) ? "chosen" : ""}>
          <a href={`/images/${image.id}`} onClick={(e) => { e.preventDefault(); navigate(`/images/${image.id}`); }}>
            <img src={`/api/v1/images/${image.id}/thumbnail?size=256${showAnnotations ? "&annotations=true" : ""}`}
              alt={image.file_name} loading="lazy" />
            <span className={`status ${image.status}`}>{image.file_name}</span>
          </a>
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
      <ul className="grid" data-testid="image-grid">{tiles}</ul>
    </div>
  );
}
