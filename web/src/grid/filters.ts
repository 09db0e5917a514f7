// The grid's filters live in the page's URL (`?split=train&status=annotated&class=3&tag=day&video=2`), so a filtered grid
// can be shared and coming back from the editor shows it again. The server's query names one of them differently.
// `ids` (comma-separated image ids) is set by links from elsewhere: a health finding, the next images to label.

/** `ids`: chosen images (a health finding's); `video`: one video's frames (by the video's id), in frame order. */
export interface GridFilters { split: string; status: string; class: string; tag: string; ids: string; video: string }

const FILTER_KEYS: (keyof GridFilters)[] = ["split", "status", "class", "tag", "ids", "video"];

/** The filters a URL's search params hold (an absent one is empty: no filtering on it). */
export function filtersFrom(params: URLSearchParams): GridFilters {
  return {
    split: params.get("split") ?? "",
    status: params.get("status") ?? "",
    class: params.get("class") ?? "",
    tag: params.get("tag") ?? "",
    ids: params.get("ids") ?? "",
    video: params.get("video") ?? "",
  };
}

/** The params with one filter changed; an emptied filter leaves the URL, and params that are not filters stay. */
export function withFilter(params: URLSearchParams, key: keyof GridFilters, value: string): URLSearchParams {
  const next = new URLSearchParams(params);
  if (value) next.set(key, value);
  else next.delete(key);
  return next;
}

/** Whether any filter narrows the grid. */
export function anyFilter(filters: GridFilters): boolean {
  return FILTER_KEYS.some((key) => filters[key] !== "");
}

/** The filters as the image list's query (`/projects/{p}/images`, `/image-ids`): set ones only, the class by id. */
export function serverQuery(filters: GridFilters): Record<string, string> {
  const query: Record<string, string> = {};
  if (filters.split) query.split = filters.split;
  if (filters.status) query.status = filters.status;
  if (filters.class) query.category_id = filters.class;
  if (filters.tag) query.tag = filters.tag;
  if (filters.ids) query.ids = filters.ids;
  if (filters.video) query.video_id = filters.video;
  return query;
}

/** The filters as a URL search (`?split=valid&status=null`, or "" when none is set): carried from the grid into the
 * editor, whose next / previous follow them, and back. */
export function gridSearch(filters: GridFilters): string {
  const params = new URLSearchParams();
  for (const key of FILTER_KEYS) if (filters[key]) params.set(key, filters[key]);
  const text = params.toString();
  return text ? `?${text}` : "";
}
