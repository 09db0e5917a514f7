import { KeyboardEvent as ReactKeyboardEvent, MouseEvent, useCallback, useEffect, useRef, useState, WheelEvent } from "react";
import { Annotation, api, ApiError, Category, Geometry, ImageRecord, Project, TrainedModel } from "../api";
import { navigate } from "../App";
import {
  bounds, moveVertex, nearestVertex, Point, pointInShape, Ring, ringFromFlat, ringToFlat, Shape, toImage,
  View, zoomAt,
} from "./geometry";
import { History } from "./history";

type Tool = "select" | "polygon" | "smart";

interface Loaded { image: ImageRecord; project: Project; picture: HTMLImageElement }
interface SmartState {
  points: { x: number; y: number; label: number }[];
  box: number[] | null;
  maskId: string | null;
  preview: Shape[];
}
const NO_SMART: SmartState = { points: [], box: null, maskId: null, preview: [] };

const PALETTE = ["#e6194b", "#3cb44b", "#4363d8", "#f58231", "#911eb4", "#42d4f4", "#f032e6", "#bfef45"];

function shapes(geometry: Geometry): Shape[] {
  if (geometry.type !== "polygon") return [];
  return geometry.parts.map((part) => ({ exterior: ringFromFlat(part.exterior), holes: part.holes.map(ringFromFlat) }));
}

function geometryOf(shapesList: Shape[]): Geometry {
  return {
    type: "polygon",
    parts: shapesList.map((s) => ({ exterior: ringToFlat(s.exterior), holes: s.holes.map(ringToFlat) })),
  };
}

function colorOf(category: Category | undefined, index: number): string {
  return category?.color ?? PALETTE[index % PALETTE.length];
}

export function Editor({ imageId }: { imageId: number }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const history = useRef(new History());
  const [loaded, setLoaded] = useState<Loaded | null>(null);
  const [annotations, setAnnotations] = useState<Annotation[]>([]);
  const [tool, setTool] = useState<Tool>("polygon");
  const [categoryId, setCategoryId] = useState<number | null>(null);
  const [selected, setSelected] = useState<number | null>(null);
  const [draft, setDraft] = useState<Ring>([]);
  const [smart, setSmart] = useState<SmartState>(NO_SMART);
  const [detail, setDetail] = useState(0.6);
  const [embedding, setEmbedding] = useState<"computing" | "ready" | "">("");
  const [view, setView] = useState<View>({ zoom: 1, offset: [0, 0] });
  const [message, setMessage] = useState("");
  const [help, setHelp] = useState(false);
  const [hidden, setHidden] = useState(false);
  const [models, setModels] = useState<TrainedModel[]>([]);
  const [assistModel, setAssistModel] = useState("");
  const [assistConfidence, setAssistConfidence] = useState(0.5);
  const drag = useRef<{ kind: "pan" | "vertex" | "box"; start: Point; view: View; vertex?: number } | null>(null);
  const [boxDraft, setBoxDraft] = useState<[Point, Point] | null>(null);
  const [dragged, setDragged] = useState<Ring | null>(null);

  const reload = useCallback(async () => setAnnotations(await api.annotations(imageId)), [imageId]);

  useEffect(() => {
    let cancelled = false;
    (async () => {
      const image = await api.image(imageId);
      const project = await api.project(image.project ?? "");
      const picture = new Image();
      picture.src = `/api/v1/images/${imageId}/file`;
      await picture.decode();
      if (cancelled) return;
      setLoaded({ image, project, picture });
      // the project's own models first (newest first), then the others
      const trained = (await api.models()).sort(
        (a, b) => Number(b.project === project.name) - Number(a.project === project.name) || b.id - a.id,
      );
      setModels(trained);
      setAssistModel((current) => current || (trained.length ? String(trained[0].id) : ""));
      setCategoryId(project.categories[0]?.id ?? null);
      await reload();
    })().catch((e) => setMessage(e.message));
    history.current.clear();
    setDraft([]);
    setSmart(NO_SMART);
    setSelected(null);
    return () => { cancelled = true; };
  }, [imageId, reload]);

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

  // fit the image in the stage when it loads
  useEffect(() => {
    const element = canvas.current;
    if (!loaded || !element) return;
    const zoom = Math.min(element.clientWidth / loaded.image.width, element.clientHeight / loaded.image.height);
    setView({ zoom, offset: [(element.clientWidth - loaded.image.width * zoom) / 2, (element.clientHeight - loaded.image.height * zoom) / 2] });
  }, [loaded]);

  const categories = loaded?.project.categories ?? [];
  const categoryIndex = (id: number) => categories.findIndex((c) => c.id === id);

  // drawing: only what is in view (viewport culling keeps 1,000 polygons smooth)
  useEffect(() => {
    const element = canvas.current;
    if (!element || !loaded) return;
    const started = performance.now();
    element.width = element.clientWidth;
    element.height = element.clientHeight;
    const context = element.getContext("2d")!;
    context.clearRect(0, 0, element.width, element.height);
    context.save();
    context.translate(view.offset[0], view.offset[1]);
    context.scale(view.zoom, view.zoom);
    context.drawImage(loaded.picture, 0, 0);
    const [vx0, vy0] = toImage([0, 0], view);
    const [vx1, vy1] = toImage([element.width, element.height], view);
    const trace = (ring: Ring) => {
      ring.forEach(([x, y], i) => (i ? context.lineTo(x, y) : context.moveTo(x, y)));
      context.closePath();
    };
    for (const annotation of hidden ? [] : annotations) {
      let parts = shapes(annotation.geometry);
      if (annotation.id === selected && dragged) parts = [{ ...parts[0], exterior: dragged }, ...parts.slice(1)];
      if (!parts.length) continue;
      const [x0, y0, x1, y1] = bounds(parts.map((p) => p.exterior));
      if (x1 < vx0 || y1 < vy0 || x0 > vx1 || y0 > vy1) continue;
      const color = colorOf(categories.find((c) => c.id === annotation.category_id), categoryIndex(annotation.category_id));
      context.beginPath();
      parts.forEach((part) => { trace(part.exterior); part.holes.forEach(trace); });
      context.fillStyle = color + "55";
      context.strokeStyle = color;
      context.lineWidth = (annotation.id === selected ? 3 : 1.5) / view.zoom;
      context.fill("evenodd");
      context.stroke();
      if (annotation.id === selected) {
        context.fillStyle = "#fff";
        parts[0].exterior.forEach(([x, y]) => context.fillRect(x - 3 / view.zoom, y - 3 / view.zoom, 6 / view.zoom, 6 / view.zoom));
      }
    }
    if (draft.length) {
      context.beginPath();
      draft.forEach(([x, y], i) => (i ? context.lineTo(x, y) : context.moveTo(x, y)));
      context.strokeStyle = "#ffeb3b";
      context.lineWidth = 2 / view.zoom;
      context.stroke();
      context.fillStyle = "#ffeb3b";
      draft.forEach(([x, y]) => context.fillRect(x - 3 / view.zoom, y - 3 / view.zoom, 6 / view.zoom, 6 / view.zoom));
    }
    if (smart.preview.length) {
      context.beginPath();
      smart.preview.forEach((part) => { trace(part.exterior); part.holes.forEach(trace); });
      context.setLineDash([6 / view.zoom, 4 / view.zoom]);
      context.strokeStyle = "#00e5ff";
      context.fillStyle = "#00e5ff44";
      context.lineWidth = 2 / view.zoom;
      context.fill("evenodd");
      context.stroke();
      context.setLineDash([]);
    }
    const box = boxDraft ? [...boxDraft[0], ...boxDraft[1]] : smart.box;
    if (box) {
      context.strokeStyle = "#00e5ff";
      context.lineWidth = 1.5 / view.zoom;
      context.strokeRect(box[0], box[1], box[2] - box[0], box[3] - box[1]);
    }
    for (const point of smart.points) {
      context.fillStyle = point.label ? "#00c853" : "#d50000";
      context.beginPath();
      context.arc(point.x, point.y, 5 / view.zoom, 0, Math.PI * 2);
      context.fill();
    }
    context.restore();
    performance.measure("seglab-draw", { start: started }); // read by benchmarks/editor_frame_time.py
  });

  function imagePoint(event: MouseEvent): Point {
    const rect = canvas.current!.getBoundingClientRect();
    return toImage([event.clientX - rect.left, event.clientY - rect.top], view);
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
  }

  async function closeDraft() {
    if (draft.length < 3) return;
    const ring = draft;
    setDraft([]);
    await create(geometryOf([{ exterior: ring, holes: [] }]), "draw polygon");
  }

  async function smartAsk(points: SmartState["points"], box: number[] | null) {
    setSmart({ ...smart, points, box });
    const answer = await api.segment(imageId, points, box, smart.maskId, detail);
    setSmart({ points, box, maskId: answer.mask_id, preview: answer.segmentation ? shapes(answer.segmentation) : [] });
    setMessage(`${answer.model}: ${answer.points} points in ${Math.round(answer.timing_ms.total)} ms`);
  }

  async function smartClick(point: Point, negative: boolean) {
    await smartAsk([...smart.points, { x: point[0], y: point[1], label: negative ? 0 : 1 }], smart.box);
  }

  async function acceptSmart() {
    if (!smart.preview.length) return;
    const geometry = geometryOf(smart.preview);
    setSmart(NO_SMART);
    await create(geometry, "smart polygon");
  }

  async function onMouseDown(event: MouseEvent) {
    const point = imagePoint(event);
    if (event.button === 1 || event.button === 2 || event.altKey) {
      drag.current = { kind: "pan", start: [event.clientX, event.clientY], view };
      return;
    }
    try {
      if (tool === "polygon") {
        if (draft.length >= 3 && nearestVertex(point, [draft[0]], 8 / view.zoom) === 0) await closeDraft();
        else setDraft([...draft, point]);
      } else if (tool === "smart") {
        drag.current = { kind: "box", start: point, view }; // a drag draws a box prompt, a click adds a point
      } else {
        const current = annotations.find((a) => a.id === selected);
        const vertex = current ? nearestVertex(point, shapes(current.geometry)[0]?.exterior ?? [], 8 / view.zoom) : -1;
        if (current && vertex >= 0) {
          drag.current = { kind: "vertex", start: point, view, vertex };
          return;
        }
        const hit = [...annotations].reverse().find((a) => shapes(a.geometry).some((s) => pointInShape(point, s)));
        setSelected(hit?.id ?? null);
      }
    } catch (e) {
      setMessage((e as Error).message);
    }
  }

  function onMouseMove(event: MouseEvent) {
    const state = drag.current;
    if (!state) return;
    if (state.kind === "box") {
      setBoxDraft([state.start, imagePoint(event)]);
    } else if (state.kind === "pan") {
      setView({ ...state.view, offset: [state.view.offset[0] + event.clientX - state.start[0], state.view.offset[1] + event.clientY - state.start[1]] });
    } else if (state.vertex !== undefined) {
      const current = annotations.find((a) => a.id === selected);
      if (current) setDragged(moveVertex(shapes(current.geometry)[0].exterior, state.vertex, imagePoint(event)));
    }
  }

  async function onMouseUp(event: MouseEvent) {
    const state = drag.current;
    drag.current = null;
    if (state?.kind === "box") {
      const end = imagePoint(event);
      setBoxDraft(null);
      try {
        if (Math.hypot(end[0] - state.start[0], end[1] - state.start[1]) * view.zoom < 5) {
          await smartClick(state.start, event.shiftKey);
        } else {
          const box = [Math.min(state.start[0], end[0]), Math.min(state.start[1], end[1]), Math.max(state.start[0], end[0]), Math.max(state.start[1], end[1])];
          await smartAsk(smart.points, box);
        }
      } catch (e) {
        setMessage((e as Error).message);
      }
      return;
    }
    if (state?.kind !== "vertex" || !dragged) return;
    const current = annotations.find((a) => a.id === selected)!;
    const before = current.geometry;
    const after = geometryOf([{ ...shapes(before)[0], exterior: dragged }, ...shapes(before).slice(1)]);
    setDragged(null);
    await save(current, after, before);
  }

  async function save(current: Annotation, after: Geometry, before: Geometry) {
    try {
      let revision = (await api.updateAnnotation(current.id, current.revision, { geometry: after })).revision;
      history.current.push({
        label: "edit polygon",
        undo: async () => { revision = (await api.updateAnnotation(current.id, revision, { geometry: before })).revision; },
        redo: async () => { revision = (await api.updateAnnotation(current.id, revision, { geometry: after })).revision; },
      });
      setMessage("saved");
    } catch (e) {
      // someone else changed it meanwhile: show theirs, never overwrite it
      setMessage(e instanceof ApiError && e.status === 409 ? "conflict: this annotation was changed elsewhere; reloaded" : (e as Error).message);
    }
    await reload();
  }

  async function removeSelected() {
    const current = annotations.find((a) => a.id === selected);
    if (!current) return;
    const removed = await api.deleteAnnotation(current.id, current.revision);
    let recreated = removed;
    history.current.push({
      label: "delete",
      undo: async () => { recreated = await api.createAnnotation(imageId, current.category_id, current.geometry); },
      redo: async () => { await api.deleteAnnotation(recreated.id, recreated.revision); },
    });
    setSelected(null);
    await reload();
  }

  async function onKeyDown(event: ReactKeyboardEvent) {
    const key = event.key.toLowerCase();
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
      } else if (key === "enter") {
        if (tool === "polygon") await closeDraft();
        if (tool === "smart") await acceptSmart();
      } else if (key === "escape") {
        setDraft([]);
        setSmart(NO_SMART);
        setHelp(false);
      } else if (key === "delete" || key === "backspace") {
        await removeSelected();
      } else if (key === "v") setTool("select");
      else if (key === "p") setTool("polygon");
      else if (key === "s") setTool("smart");
      else if (key === "?") setHelp(!help);
      else if (key === "h") setHidden(!hidden);
      else if (key === "n" || key === "arrowright") await go("next");
      else if (key === "b" || key === "arrowleft") await go("previous");
    } catch (e) {
      setMessage((e as Error).message);
    }
  }

  async function go(which: "previous" | "next") {
    const target = (await api.neighbours(imageId))[which];
    if (target === null) setMessage(`no ${which} image`);
    else navigate(`/images/${target}`);
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

  async function markNull() {
    const updated = await api.setStatus(imageId, "null");
    setLoaded(loaded && { ...loaded, image: updated });
    setMessage("marked as null: no objects in this image");
  }

  function onWheel(event: WheelEvent) {
    const rect = canvas.current!.getBoundingClientRect();
    setView(zoomAt(view, [event.clientX - rect.left, event.clientY - rect.top], event.deltaY < 0 ? 1.15 : 1 / 1.15));
  }

  if (!loaded) return <p>{message || "loading…"}</p>;
  return (
    <div className="editor" tabIndex={0} onKeyDown={onKeyDown} data-testid="editor">
      <div className="stage">
        <canvas
          ref={canvas}
          data-testid="stage"
          onMouseDown={onMouseDown}
          onMouseMove={onMouseMove}
          onMouseUp={onMouseUp}
          onWheel={onWheel}
          onContextMenu={(e) => e.preventDefault()}
        />
        {tool === "smart" && embedding === "computing" && <div className="notice">computing the image embedding…</div>}
        {help && (
          <div className="help" role="dialog" aria-label="keyboard shortcuts">
            <h2>Keyboard shortcuts</h2>
            <ul>
              <li><b>P</b> polygon: click to add points, click the first point or Enter to close</li>
              <li><b>S</b> Smart Polygon: click inside (Shift+click outside) or drag a box, Enter to accept, Esc to cancel</li>
              <li><b>V</b> select: click an annotation, drag its vertices; Delete removes it</li>
              <li><b>Ctrl+Z</b> undo, <b>Ctrl+Shift+Z</b> / <b>Ctrl+Y</b> redo</li>
              <li><b>H</b> hide or show the annotations; <b>N</b> / <b>B</b> (or arrows) next / previous image</li>
              <li>wheel: zoom; right-drag or Alt+drag: pan; <b>?</b> this help</li>
            </ul>
          </div>
        )}
      </div>
      <aside className="panel">
        <p><a href="#" onClick={(e) => { e.preventDefault(); navigate(`/projects/${encodeURIComponent(loaded.project.name)}`); }}>← {loaded.project.name}</a></p>
        <h2>{loaded.image.file_name}</h2>
        <div className="tools row">
          {(["select", "polygon", "smart"] as Tool[]).map((t) => (
            <button key={t} className={tool === t ? "active" : ""} onClick={() => setTool(t)}>{t}</button>
          ))}
        </div>
        <label>
          class{" "}
          <select aria-label="class" value={categoryId ?? ""} onChange={(e) => setCategoryId(Number(e.target.value))}>
            {categories.map((c) => <option key={c.id} value={c.id}>{c.name}</option>)}
          </select>
        </label>
        <div className="row">
          <button onClick={() => go("previous")}>← previous</button>
          <button onClick={() => go("next")}>next →</button>
          <button onClick={markNull} title="reviewed: contains no objects">mark null</button>
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
        <ul className="annotations" data-testid="annotations">
          {annotations.map((a) => (
            <li key={a.id} className={a.id === selected ? "selected" : ""} onClick={() => setSelected(a.id)}>
              {categories.find((c) => c.id === a.category_id)?.name ?? a.category_id} · {a.source}
              {a.confidence !== null && ` ${a.confidence.toFixed(2)}`}
              {a.source.startsWith("model:") && !a.attributes.accepted && (
                <span className="review">
                  {" "}<button onClick={() => review(a, true)} aria-label={`accept ${a.id}`}>accept</button>
                  <button onClick={() => review(a, false)} aria-label={`reject ${a.id}`}>reject</button>
                </span>
              )}
              {Boolean(a.attributes.accepted) && " ✓"}
            </li>
          ))}
        </ul>
      </aside>
    </div>
  );
}
