import {
  KeyboardEvent as ReactKeyboardEvent, MouseEvent, useCallback, useEffect, useMemo, useRef, useState, WheelEvent,
} from "react";
import { useNavigate } from "react-router";
import { Annotation, api, ApiError, Geometry, ImageRecord, Project, TrainedModel } from "../api";
import { colorOf } from "../colors";
import { AnnotationList } from "./AnnotationList";
import {
  bounds, insertVertex, moveVertex, nearestVertex, Point, pointInShape, Ring, ringFromFlat, ringToFlat, Shape, toImage,
  View, zoomAt,
} from "./geometry";
import { HelpOverlay } from "./HelpOverlay";
import { History } from "./history";
import { DrawnAnnotation, drawScene } from "./render";
import { useSerialInput } from "./serialInput";
import {
  brushStroke, clipToImage, findEdge, findVertex, removeVertex, replaceRing, ringAt, subtract, translateShapes, unite,
  VertexHit,
} from "./shapes";

type Tool = "select" | "polygon" | "smart" | "brush" | "eraser";
/** What a drawn polygon or an accepted Smart Polygon does when an annotation is selected. */
type DrawMode = "new" | "add" | "cut";
const DRAW_MODES: DrawMode[] = ["new", "add", "cut"];
const DRAW_MODE_NAMES: Record<DrawMode, string> = { new: "new annotation", add: "add a part", cut: "cut a hole" };

interface Loaded { image: ImageRecord; project: Project; picture: HTMLImageElement }
interface SmartState {
  points: { x: number; y: number; label: number }[];
  box: number[] | null;
  maskId: string | null;
  preview: Shape[];
}
const NO_SMART: SmartState = { points: [], box: null, maskId: null, preview: [] };
type Drag =
  | { kind: "pan"; start: Point; view: View }
  | { kind: "box"; start: Point }
  | { kind: "vertex"; hit: VertexHit }
  | { kind: "move"; start: Point }
  | { kind: "stroke" };
type Change = { geometry?: Geometry; category_id?: number };

function shapesOf(geometry: Geometry): Shape[] {
  if (geometry.type !== "polygon") return [];
  return geometry.parts.map((part) => ({ exterior: ringFromFlat(part.exterior), holes: part.holes.map(ringFromFlat) }));
}

function geometryOf(shapes: Shape[]): Geometry {
  return {
    type: "polygon",
    parts: shapes.map((s) => ({ exterior: ringToFlat(s.exterior), holes: s.holes.map(ringToFlat) })),
  };
}

/** Annotations copied with Ctrl+C, kept while the app is open so they can be pasted on another image (the next
 * frame of a video, say); the class goes by name, so a paste into another project finds its class there. */
let clipboard: { className: string; shapes: Shape[] }[] = [];

function toggled(set: ReadonlySet<number>, id: number): Set<number> {
  const next = new Set(set);
  if (!next.delete(id)) next.add(id);
  return next;
}

export function Editor({ imageId }: { imageId: number }) {
  const navigate = useNavigate();
  const canvas = useRef<HTMLCanvasElement>(null);
  const root = useRef<HTMLDivElement>(null);
  const history = useRef(new History());
  const [loaded, setLoaded] = useState<Loaded | null>(null);
  const [annotations, setAnnotations] = useState<Annotation[]>([]);
  const [tool, setTool] = useState<Tool>("polygon");
  const [drawMode, setDrawMode] = useState<DrawMode>("new");
  const [categoryId, setCategoryId] = useState<number | null>(null);
  const [selected, setSelected] = useState<number | null>(null);
  const [selectedVertex, setSelectedVertex] = useState<VertexHit | null>(null);
  const [draft, setDraft] = useState<Ring>([]);
  const [smart, setSmart] = useState<SmartState>(NO_SMART);
  const [hoverPreview, setHoverPreview] = useState<Shape[]>([]);
  const hoverAsk = useRef<{ busy: boolean; next: Point | null }>({ busy: false, next: null });
  const [detail, setDetail] = useState(0.6);
  const [embedding, setEmbedding] = useState<"computing" | "ready" | "">("");
  const [view, setView] = useState<View>({ zoom: 1, offset: [0, 0] });
  const [message, setMessage] = useState("");
  const [help, setHelp] = useState(false);
  const [allHidden, setAllHidden] = useState(false);
  const [hiddenIds, setHiddenIds] = useState<ReadonlySet<number>>(new Set());
  const [lockedIds, setLockedIds] = useState<ReadonlySet<number>>(new Set());
  const [models, setModels] = useState<TrainedModel[]>([]);
  const [assistModel, setAssistModel] = useState("");
  const [assistConfidence, setAssistConfidence] = useState(0.5);
  const [brushRadius, setBrushRadius] = useState(12);
  const [stroke, setStroke] = useState<Point[] | null>(null);
  const [cursor, setCursor] = useState<Point | null>(null);
  const drag = useRef<Drag | null>(null);
  /** Set by next/previous until the image it went to has loaded: input that follows waits for it (N then Ctrl+V
   * pastes on the new image, as typed). */
  const arrival = useRef<{ id: number; resolve: () => void } | null>(null);
  /** Space is held: a drag pans, whatever the tool (as in most image editors). */
  const spaceHeld = useRef(false);
  const [boxDraft, setBoxDraft] = useState<[Point, Point] | null>(null);
  /** The selected annotation's shapes while a vertex drag or a move is under way (saved on release). */
  const [override, setOverride] = useState<Shape[] | null>(null);

  const shownImage = useRef(imageId);
  shownImage.current = imageId;
  /** Fetch this image's annotations again; an answer that comes after the editor moved to another image is dropped. */
  const reload = useCallback(async () => {
    const fetched = await api.annotations(imageId);
    if (shownImage.current === imageId) setAnnotations(fetched);
  }, [imageId]);

  useEffect(() => {
    let cancelled = false;
    const arrived = () => {
      if (arrival.current?.id !== imageId) return;
      arrival.current.resolve();
      arrival.current = null;
    };
    (async () => {
      const image = await api.image(imageId);
      const project = await api.project(image.project ?? "");
      const picture = new Image();
      picture.src = `/api/v1/images/${imageId}/file`;
      await picture.decode();
      const shown = await api.annotations(imageId);
      if (cancelled) return;
      // the image and its annotations arrive together: nothing ever acts on one image's annotations over another
      setLoaded({ image, project, picture });
      setAnnotations(shown);
      setCategoryId((current) => current ?? project.categories[0]?.id ?? null);
      arrived();
      // the project's own models first (newest first), then the others
      const trained = (await api.models()).sort(
        (a, b) => Number(b.project === project.name) - Number(a.project === project.name) || b.id - a.id,
      );
      if (cancelled) return;
      setModels(trained);
      setAssistModel((current) => current || (trained.length ? String(trained[0].id) : ""));
    })().catch((e) => setMessage(e.message)).finally(arrived);
    history.current.clear();
    setDraft([]);
    setSmart(NO_SMART);
    setSelected(null);
    setSelectedVertex(null);
    setHiddenIds(new Set());
    setLockedIds(new Set());
    return () => { cancelled = true; arrived(); };
  }, [imageId]);

  // Smart Polygon needs the image's embedding: ask for it as soon as the image opens, and say while it is computed.
  useEffect(() => {
    let stopped = false;
    const poll = async () => {
      try {
        const status = await api.embed(imageId);
        if (stopped) return;
        setEmbedding(status.status === "ready" ? "ready" : "computing");
        if (status.status !== "ready") setTimeout(poll, 400);
      } catch {
        setEmbedding("");
      }
    };
    poll();
    return () => { stopped = true; };
  }, [imageId]);

  /** The whole image, centred in the stage: when it opens, and with F. */
  const fit = useCallback(() => {
    const element = canvas.current;
    if (!loaded || !element) return;
    const zoom = Math.min(element.clientWidth / loaded.image.width, element.clientHeight / loaded.image.height);
    setView({ zoom, offset: [(element.clientWidth - loaded.image.width * zoom) / 2, (element.clientHeight - loaded.image.height * zoom) / 2] });
  }, [loaded]);
  useEffect(fit, [fit]);

  const categories = useMemo(() => loaded?.project.categories ?? [], [loaded]);
  // after next/previous, the last image stays on screen until the new one has loaded, but nothing acts on it
  const ready = loaded?.image.id === imageId;
  const parsed = useMemo(
    // an RLE mask (COCO crowd regions, imports) is drawn and edited as its pixel outline; the first edit saves polygons
    () => new Map(annotations.map((a) => [a.id, shapesOf(a.outline ?? a.geometry)])),
    [annotations],
  );
  const visible = useCallback(
    (a: Annotation) => !allHidden && !hiddenIds.has(a.id),
    [allHidden, hiddenIds],
  );
  const drawn = useMemo<DrawnAnnotation[]>(
    () => annotations.filter(visible).map((a) => {
      const own = a.id === selected && override ? override : parsed.get(a.id) ?? [];
      return {
        id: a.id,
        shapes: own,
        bounds: own.length ? bounds(own.map((s) => s.exterior)) : [0, 0, 0, 0],
        color: colorOf(categories, a.category_id),
      };
    }),
    [annotations, parsed, visible, selected, override, categories],
  );

  useEffect(() => {
    const element = canvas.current;
    if (!element || !loaded) return;
    const started = performance.now();
    const erase = tool === "eraser";
    drawScene(element, {
      picture: loaded.picture,
      view,
      annotations: drawn,
      selected,
      selectedVertex,
      locked: lockedIds,
      draft,
      smartPreview: smart.preview,
      hoverPreview: tool === "smart" ? hoverPreview : [],
      box: boxDraft ? [...boxDraft[0], ...boxDraft[1]] : smart.box,
      points: smart.points,
      stroke: stroke && { path: stroke, radius: brushRadius, erase },
      brushCursor: (tool === "brush" || erase) && cursor ? { at: cursor, radius: brushRadius, erase } : null,
    });
    performance.measure("seglab-draw", { start: started }); // read by benchmarks/editor_frame_time.py
  });

  /** The selected annotation, unless it is locked or hidden (then nothing may change it). */
  const editable = (): Annotation | undefined => {
    const current = annotations.find((a) => a.id === selected);
    return current && !lockedIds.has(current.id) && visible(current) ? current : undefined;
  };

  function imagePoint(event: MouseEvent): Point {
    const rect = canvas.current!.getBoundingClientRect();
    return toImage([event.clientX - rect.left, event.clientY - rect.top], view);
  }

  function select(id: number | null) {
    setSelected(id);
    setSelectedVertex(null);
    const chosen = annotations.find((a) => a.id === id);
    if (chosen) setCategoryId(chosen.category_id);
  }

  async function create(geometry: Geometry, label: string) {
    if (categoryId === null) { setMessage("add a class to the project first"); return; }
    let created = await api.createAnnotation(imageId, categoryId, geometry);
    const category = categoryId;
    history.current.push({
      label,
      undo: async () => { await api.deleteAnnotation(created.id, created.revision); },
      redo: async () => { created = await api.createAnnotation(imageId, category, geometry); },
    });
    setMessage("saved");
    await reload();
    setSelected(created.id);
  }

  /** Save a change to one annotation; a 409 means someone else changed it first: show theirs, never overwrite it. */
  async function save(current: Annotation, after: Change, before: Change, label: string) {
    try {
      let revision = (await api.updateAnnotation(current.id, current.revision, after)).revision;
      history.current.push({
        label,
        undo: async () => { revision = (await api.updateAnnotation(current.id, revision, before)).revision; },
        redo: async () => { revision = (await api.updateAnnotation(current.id, revision, after)).revision; },
      });
      setMessage("saved");
    } catch (e) {
      setMessage(e instanceof ApiError && e.status === 409 ? "conflict: this annotation was changed elsewhere; reloaded" : (e as Error).message);
    }
    await reload();
  }

  async function remove(current: Annotation, label = "delete") {
    const removed = await api.deleteAnnotation(current.id, current.revision);
    let recreated = removed;
    history.current.push({
      label,
      undo: async () => { recreated = await api.createAnnotation(imageId, current.category_id, current.geometry); },
      redo: async () => { await api.deleteAnnotation(recreated.id, recreated.revision); },
    });
    setSelected(null);
    setSelectedVertex(null);
    setMessage(label === "delete" ? "deleted" : `${label}: nothing left, deleted`);
    await reload();
  }

  /** Replace an annotation's shapes; if an edit leaves nothing (all erased), the annotation goes. */
  async function reshape(current: Annotation, result: Shape[], label: string) {
    if (!result.length) await remove(current, label);
    else await save(current, { geometry: geometryOf(result) }, { geometry: current.geometry }, label);
  }

  /** A finished polygon or Smart Polygon: a new annotation, or a part added to / a hole cut in the selected one. */
  async function commitDrawn(shapes: Shape[], what: string) {
    const target = editable();
    if (drawMode !== "new" && target) {
      const own = parsed.get(target.id) ?? [];
      if (drawMode === "add") await reshape(target, unite(own, shapes), `${what}: add a part`);
      else await reshape(target, subtract(own, shapes), `${what}: cut a hole`);
    } else {
      await create(geometryOf(shapes), what);
    }
  }

  async function closeDraft() {
    if (draft.length < 3) return;
    const ring = draft;
    setDraft([]);
    await commitDrawn([{ exterior: ring, holes: [] }], "polygon");
  }

  async function finishStroke(path: Point[]) {
    const painted = brushStroke(path, brushRadius);
    const target = editable();
    if (tool === "eraser") {
      if (!target) { setMessage("select an annotation to erase from"); return; }
      await reshape(target, subtract(parsed.get(target.id) ?? [], painted), "eraser");
    } else if (target) {
      await reshape(target, unite(parsed.get(target.id) ?? [], painted), "brush");
    } else {
      await create(geometryOf(painted), "brush");
    }
  }

  async function smartAsk(points: SmartState["points"], box: number[] | null) {
    setHoverPreview([]);
    setSmart({ ...smart, points, box });
    const answer = await api.segment(imageId, points, box, smart.maskId, detail);
    setSmart({ points, box, maskId: answer.mask_id, preview: answer.segmentation ? shapesOf(answer.segmentation) : [] });
    setMessage(`${answer.model}: ${answer.points} points in ${Math.round(answer.timing_ms.total)} ms`);
  }

  /** Hover preview: one request at a time; while one is out, only the latest cursor position waits its turn. */
  async function hover(point: Point) {
    const state = hoverAsk.current;
    if (state.busy) { state.next = point; return; }
    state.busy = true;
    try {
      const answer = await api.segment(imageId, [{ x: point[0], y: point[1], label: 1 }], null, null, detail);
      if (drag.current === null) setHoverPreview(answer.segmentation ? shapesOf(answer.segmentation) : []);
    } catch {
      setHoverPreview([]);
    } finally {
      state.busy = false;
      const next = state.next;
      state.next = null;
      if (next) hover(next);
    }
  }

  async function acceptSmart() {
    if (!smart.preview.length) return;
    const shapes = smart.preview;
    setSmart(NO_SMART);
    await commitDrawn(shapes, "smart polygon");
  }

  async function onMouseDown(event: MouseEvent) {
    const point = imagePoint(event);
    if (event.button === 1 || event.button === 2 || event.altKey || spaceHeld.current) {
      drag.current = { kind: "pan", start: [event.clientX, event.clientY], view };
      return;
    }
    try {
      if (tool === "polygon") {
        if (draft.length >= 3 && nearestVertex(point, [draft[0]], 8 / view.zoom) === 0) await closeDraft();
        else setDraft([...draft, point]);
      } else if (tool === "smart") {
        drag.current = { kind: "box", start: point }; // a drag draws a box prompt, a click adds a point
      } else if (tool === "brush" || tool === "eraser") {
        drag.current = { kind: "stroke" };
        setStroke([point]);
      } else {
        const current = editable();
        const vertex = current ? findVertex(parsed.get(current.id) ?? [], point, 8 / view.zoom) : null;
        if (current && vertex) {
          setSelectedVertex(vertex);
          drag.current = { kind: "vertex", hit: vertex };
          return;
        }
        const hit = [...annotations].reverse().find(
          (a) => visible(a) && !lockedIds.has(a.id) && (parsed.get(a.id) ?? []).some((s) => pointInShape(point, s)),
        );
        select(hit?.id ?? null);
        if (hit) drag.current = { kind: "move", start: point };
      }
    } catch (e) {
      setMessage((e as Error).message);
    }
  }

  function onMouseMove(event: MouseEvent) {
    const point = imagePoint(event);
    if (tool === "brush" || tool === "eraser") setCursor(point);
    const state = drag.current;
    if (!state) {
      if (tool === "smart" && embedding === "ready" && !smart.points.length && !smart.box) hover(point);
      return;
    }
    if (state.kind === "box") {
      setBoxDraft([state.start, point]);
    } else if (state.kind === "pan") {
      setView({ ...state.view, offset: [state.view.offset[0] + event.clientX - state.start[0], state.view.offset[1] + event.clientY - state.start[1]] });
    } else if (state.kind === "stroke") {
      setStroke((path) => [...(path ?? []), point]);
    } else {
      const own = parsed.get(selected ?? -1) ?? [];
      if (state.kind === "vertex") setOverride(replaceRing(own, state.hit, moveVertex(ringAt(own, state.hit), state.hit.index, point)));
      else {
        const [dx, dy] = [point[0] - state.start[0], point[1] - state.start[1]];
        // a click that wobbles a pixel selects; it does not move the annotation
        if (override || Math.hypot(dx, dy) * view.zoom >= 3) setOverride(translateShapes(own, dx, dy));
      }
    }
  }

  async function onMouseUp(event: MouseEvent) {
    const state = drag.current;
    drag.current = null;
    try {
      if (state?.kind === "box") {
        const end = imagePoint(event);
        setBoxDraft(null);
        if (Math.hypot(end[0] - state.start[0], end[1] - state.start[1]) * view.zoom < 5) {
          await smartAsk([...smart.points, { x: state.start[0], y: state.start[1], label: event.shiftKey ? 0 : 1 }], smart.box);
        } else {
          const box = [Math.min(state.start[0], end[0]), Math.min(state.start[1], end[1]), Math.max(state.start[0], end[0]), Math.max(state.start[1], end[1])];
          await smartAsk(smart.points, box);
        }
      } else if (state?.kind === "stroke" && stroke) {
        const path = stroke;
        setStroke(null);
        await finishStroke(path);
      } else if ((state?.kind === "vertex" || state?.kind === "move") && override) {
        const current = annotations.find((a) => a.id === selected)!;
        const result = override;
        setOverride(null);
        await reshape(current, result, state.kind === "move" ? "move" : "move vertex");
      }
    } catch (e) {
      setMessage((e as Error).message);
    }
  }

  /** In the select tool: double-click a vertex to remove it, an edge to add one there. */
  async function onDoubleClick(event: MouseEvent) {
    const current = editable();
    if (tool !== "select" || !current) return;
    const point = imagePoint(event);
    const own = parsed.get(current.id) ?? [];
    const vertex = findVertex(own, point, 8 / view.zoom);
    if (vertex) {
      await reshape(current, removeVertex(own, vertex), "remove vertex");
      setSelectedVertex(null);
      return;
    }
    const edge = findEdge(own, point, 8 / view.zoom);
    if (edge) {
      await reshape(current, replaceRing(own, edge, insertVertex(ringAt(own, edge), edge.index, edge.at)), "add vertex");
      setSelectedVertex({ part: edge.part, hole: edge.hole, index: edge.index + 1 });
    }
  }

  async function chooseClass(id: number) {
    setCategoryId(id);
    const current = editable();
    if (current && current.category_id !== id) {
      await save(current, { category_id: id }, { category_id: current.category_id }, "change class");
    }
  }

  async function deleteSelection() {
    const current = editable();
    if (!current) return;
    if (selectedVertex) {
      await reshape(current, removeVertex(parsed.get(current.id) ?? [], selectedVertex), "remove vertex");
      setSelectedVertex(null);
    } else {
      await remove(current);
    }
  }

  /** Ctrl+C: the selected annotation, or every shown one when none is selected. */
  function copy() {
    const chosen = selected !== null ? annotations.filter((a) => a.id === selected) : annotations.filter(visible);
    const names = new Map(categories.map((c) => [c.id, c.name]));
    clipboard = chosen
      .map((a) => ({ className: names.get(a.category_id) ?? "", shapes: parsed.get(a.id) ?? [] }))
      .filter((c) => c.shapes.length);
    setMessage(clipboard.length ? `copied ${clipboard.length} annotation${clipboard.length === 1 ? "" : "s"}` : "nothing to copy");
  }

  /** Ctrl+V: the copied annotations as new ones on this image (clipped to it), undone together. */
  async function paste() {
    if (!loaded || !clipboard.length) { setMessage("nothing to paste: copy annotations with Ctrl+C first"); return; }
    const byName = new Map(categories.map((c) => [c.name, c.id]));
    const pieces = clipboard
      .map((c) => ({
        category: byName.get(c.className) ?? categoryId,
        geometry: geometryOf(clipToImage(c.shapes, loaded.image.width, loaded.image.height)),
      }))
      .filter((p): p is { category: number; geometry: Geometry } => p.category !== null && p.geometry.type === "polygon" && p.geometry.parts.length > 0);
    if (!pieces.length) { setMessage(categoryId === null ? "add a class to the project first" : "nothing to paste: the copied annotations lie outside this image"); return; }
    const createAll = () => Promise.all(pieces.map((p) => api.createAnnotation(imageId, p.category, p.geometry)));
    let created = await createAll();
    history.current.push({
      label: `paste ${created.length}`,
      undo: async () => { await Promise.all(created.map((a) => api.deleteAnnotation(a.id, a.revision))); },
      redo: async () => { created = await createAll(); },
    });
    setMessage(`pasted ${created.length} annotation${created.length === 1 ? "" : "s"}`);
    await reload();
    setSelected(created.length === 1 ? created[0].id : null);
  }

  function chooseTool(next: Tool) {
    setTool(next);
    setDraft([]);
    setHoverPreview([]);
    setCursor(null);
  }

  async function onKeyDown(event: ReactKeyboardEvent) {
    const key = event.key.toLowerCase();
    if (event.target instanceof HTMLInputElement || event.target instanceof HTMLSelectElement) return;
    if (!ready && !["n", "arrowright", "arrowleft", "?", "escape"].includes(key)) return; // only moving on
    try {
      if ((event.ctrlKey || event.metaKey) && key === "z") {
        event.preventDefault();
        const done = event.shiftKey ? await history.current.redo() : await history.current.undo();
        setMessage(done ? `${event.shiftKey ? "redid" : "undid"} ${done.label}` : "nothing to undo");
        await reload();
      } else if ((event.ctrlKey || event.metaKey) && key === "y") {
        const done = await history.current.redo();
        setMessage(done ? `redid ${done.label}` : "nothing to redo");
        await reload();
      } else if ((event.ctrlKey || event.metaKey) && key === "c") {
        copy();
      } else if ((event.ctrlKey || event.metaKey) && key === "v") {
        event.preventDefault();
        await paste();
      } else if (event.ctrlKey || event.metaKey) {
        return;
      } else if (key === " ") {
        event.preventDefault(); // no page scroll: Space + drag pans the image
        spaceHeld.current = true;
      } else if (key === "f") {
        fit();
      } else if (key === "tab") {
        cycleSelection(event.shiftKey ? -1 : 1);
      } else if (key === "enter") {
        if (tool === "polygon") await closeDraft();
        if (tool === "smart") await acceptSmart();
      } else if (key === "escape") {
        setDraft([]);
        setSmart(NO_SMART);
        setHelp(false);
        setSelectedVertex(null);
      } else if (key === "delete" || key === "backspace") {
        await deleteSelection();
      } else if (/^[1-9]$/.test(key)) {
        const category = categories[Number(key) - 1];
        if (category) await chooseClass(category.id);
      } else if (key === "v") chooseTool("select");
      else if (key === "p") chooseTool("polygon");
      else if (key === "s") chooseTool("smart");
      else if (key === "b") chooseTool("brush");
      else if (key === "e") chooseTool("eraser");
      else if (key === "[") setBrushRadius((r) => Math.max(1, Math.round(r / 1.25)));
      else if (key === "]") setBrushRadius((r) => Math.min(500, Math.round(r * 1.25) + 1));
      else if (key === "m") setDrawMode(DRAW_MODES[(DRAW_MODES.indexOf(drawMode) + 1) % DRAW_MODES.length]);
      else if (key === "l" && selected !== null) setLockedIds(toggled(lockedIds, selected));
      else if (key === "?") setHelp(!help);
      else if (key === "h") setAllHidden(!allHidden);
      else if (key === "arrowright" || (key === "n" && !event.shiftKey)) await go("next");
      else if (key === "arrowleft" || (key === "n" && event.shiftKey)) await go("previous");
    } catch (e) {
      setMessage((e as Error).message);
    }
  }

  /** Tab / Shift+Tab: the next / previous annotation that can be picked (shown, not locked), in list order. */
  function cycleSelection(step: 1 | -1) {
    const pickable = annotations.filter((a) => visible(a) && !lockedIds.has(a.id));
    if (!pickable.length) return;
    const at = pickable.findIndex((a) => a.id === selected);
    const next = at < 0 ? (step > 0 ? 0 : pickable.length - 1) : (at + step + pickable.length) % pickable.length;
    select(pickable[next].id);
  }

  function onKeyUp(event: ReactKeyboardEvent) {
    if (event.key === " ") spaceHeld.current = false;
  }

  async function go(which: "previous" | "next") {
    const target = (await api.neighbours(imageId))[which];
    if (target === null) { setMessage(`no ${which} image`); return; }
    const loadedThere = new Promise<void>((resolve) => { arrival.current = { id: target, resolve }; });
    navigate(`/images/${target}`);
    await loadedThere;
  }

  async function runLabelAssist() {
    if (!loaded || !assistModel) return;
    const report = await api.labelAssist(loaded.project.name, assistModel, [imageId], assistConfidence);
    setMessage(`label assist: ${report.annotations} proposals to review`);
    await reload();
  }

  async function review(annotation: Annotation, keep: boolean) {
    if (keep) await api.accept(annotation.id, annotation.revision, annotation.attributes);
    else await api.deleteAnnotation(annotation.id, annotation.revision);
    await reload();
  }

  /** Record what a person decided about the whole image: `null` (no objects in it) or `reviewed` (checked). */
  async function markImage(status: "null" | "reviewed") {
    const updated = await api.setStatus(imageId, status);
    setLoaded((current) => current && current.image.id === updated.id ? { ...current, image: updated } : current);
    setMessage(status === "null" ? "marked as null: no objects in this image" : "marked as reviewed");
  }


  function onWheel(event: WheelEvent) {
    const rect = canvas.current!.getBoundingClientRect();
    setView(zoomAt(view, [event.clientX - rect.left, event.clientY - rect.top], event.deltaY < 0 ? 1.15 : 1 / 1.15));
  }

  // shortcuts work as soon as an image opens (and after next/previous), without a click on the stage first
  useEffect(() => root.current?.focus({ preventScroll: true }), [loaded]);

  const input = useSerialInput(
    {
      // clicks on the last image while the next one loads are dropped; keys wait (see `go`) or only move on
      onMouseDown: (event: MouseEvent) => (ready ? onMouseDown(event) : undefined),
      onMouseMove,
      onMouseUp: (event: MouseEvent) => (ready ? onMouseUp(event) : undefined),
      onDoubleClick: (event: MouseEvent) => (ready ? onDoubleClick(event) : undefined),
      onKeyDown,
      onKeyUp,
    },
    (error) => setMessage(error.message),
  );

  /** Tab cycles annotations: the browser must not move the focus, decided now, even if the key waits its turn. */
  function keyDown(event: ReactKeyboardEvent) {
    const typing = event.target instanceof HTMLInputElement || event.target instanceof HTMLSelectElement;
    if (event.key === "Tab" && !typing) event.preventDefault();
    input.onKeyDown(event);
  }

  if (!loaded) return <p>{message || "loading…"}</p>;
  return (
    <div className="editor" ref={root} tabIndex={0} onKeyDown={keyDown} onKeyUp={input.onKeyUp} onBlur={() => { spaceHeld.current = false; }} data-testid="editor">
      <div className={`stage tool-${tool}`}>
        <canvas
          ref={canvas}
          data-testid="stage"
          onMouseDown={input.onMouseDown}
          onMouseMove={input.onMouseMove}
          onMouseUp={input.onMouseUp}
          onMouseLeave={() => { setCursor(null); setHoverPreview([]); }}
          onDoubleClick={input.onDoubleClick}
          onWheel={onWheel}
          onContextMenu={(e) => e.preventDefault()}
        />
        {tool === "smart" && embedding === "computing" && <div className="notice">computing the image embedding…</div>}
        {!ready && <div className="notice loading" data-testid="loading">loading the image…</div>}
        {help && <HelpOverlay />}
      </div>
      <aside className="panel">
        <fieldset className="plain" disabled={!ready}>
        <p><a href="#" onClick={(e) => { e.preventDefault(); navigate(`/projects/${encodeURIComponent(loaded.project.name)}`); }}>← {loaded.project.name}</a></p>
        <h2>{loaded.image.file_name}</h2>
        <div className="tools row">
          {(["select", "polygon", "smart", "brush", "eraser"] as Tool[]).map((t) => (
            <button key={t} className={tool === t ? "active" : ""} onClick={() => chooseTool(t)}>{t}</button>
          ))}
        </div>
        <label>
          class{" "}
          <select aria-label="class" value={categoryId ?? ""} onChange={(e) => chooseClass(Number(e.target.value)).catch((error) => setMessage(error.message))}>
            {categories.map((c, i) => <option key={c.id} value={c.id}>{i < 9 ? `${i + 1} · ` : ""}{c.name}</option>)}
          </select>
        </label>
        <fieldset className="draw-mode">
          <legend>A drawn shape makes</legend>
          {DRAW_MODES.map((mode) => (
            <label key={mode}>
              <input type="radio" name="draw-mode" checked={drawMode === mode} onChange={() => setDrawMode(mode)} /> {DRAW_MODE_NAMES[mode]}
            </label>
          ))}
        </fieldset>
        {(tool === "brush" || tool === "eraser") && (
          <label>
            brush size{" "}
            <input type="range" aria-label="brush size" min={1} max={200} value={brushRadius} onChange={(e) => setBrushRadius(Number(e.target.value))} /> {brushRadius} px
          </label>
        )}
        <div className="row">
          <button onClick={() => go("previous")}>← previous</button>
          <button onClick={() => go("next")}>next →</button>
          <button onClick={() => markImage("null").catch((e) => setMessage(e.message))} title="reviewed: contains no objects">mark null</button>
          <button onClick={() => markImage("reviewed").catch((e) => setMessage(e.message))} title="its annotations have been checked">mark reviewed</button>
        </div>
        <p className="muted" data-testid="image-status">status: {loaded.image.status}</p>
        <p role="status" data-testid="message">{message}</p>
        <p className="muted">Smart Polygon: {embedding || "unavailable"} · press ? for shortcuts</p>
        <label>
          detail{" "}
          <input type="range" aria-label="detail" min={0} max={1} step={0.05} value={detail} onChange={(e) => setDetail(Number(e.target.value))} />
        </label>
        <fieldset>
          <legend>Label assist</legend>
          <select aria-label="assist model" value={assistModel} onChange={(e) => setAssistModel(e.target.value)}>
            {models.length === 0 && <option value="">no trained model</option>}
            {models.map((m) => <option key={m.id} value={m.id}>{m.version} · model {m.id}</option>)}
          </select>{" "}
          <input aria-label="assist confidence" type="number" min={0} max={1} step={0.05} value={assistConfidence}
            onChange={(e) => setAssistConfidence(Number(e.target.value))} style={{ width: 70 }} />{" "}
          <button onClick={() => runLabelAssist().catch((e) => setMessage(e.message))} disabled={!assistModel}>Run on this image</button>
        </fieldset>
        <AnnotationList
          annotations={annotations}
          categories={categories}
          selected={selected}
          hidden={allHidden ? new Set(annotations.map((a) => a.id)) : hiddenIds}
          locked={lockedIds}
          onSelect={select}
          onToggleHidden={(id) => { setHiddenIds(toggled(hiddenIds, id)); if (id === selected) select(null); }}
          onToggleLocked={(id) => setLockedIds(toggled(lockedIds, id))}
          onReview={(a, keep) => review(a, keep).catch((e) => setMessage(e.message))}
        />
        </fieldset>
      </aside>
    </div>
  );
}
