// The editor's behaviour, outside React: it loads an image, keeps the view, and routes pointer events to the
// active tool's state machine (keys go through the action table, ./actions); the edits those make are ./edits.

import { Annotation, api } from "../api";
import { GridFilters, gridSearch, serverQuery } from "../grid/filters";
import { editorApi } from "./editorApi";
import { Edits } from "./edits";
import { Review } from "./review";
import { pickAt } from "./sceneIndex";
import { Point, Shape, toImage, View, zoomAt } from "./geometry";
import { SerialQueue } from "./serialInput";
import { openDecoder, SmartDecoder } from "./smartDecoder";
import {
  DRAW_MODES, EditorState, initialState, isReady, isVisible, NO_PROMPT, shapesOf, SmartPrompt, ToolId, withAnnotations,
} from "./state";
import { Store } from "./store";
import { VideoFrames } from "./video";
import { BrushTool } from "./tools/brush";
import { PolygonTool } from "./tools/polygon";
import { SelectTool } from "./tools/select";
import { SmartTool } from "./tools/smart";
import { PointerInfo, StateNode, ToolEvent, ToolHost } from "./tools/stateNode";

/** The mouse event fields the editor reads (a React or a DOM event). */
export interface MouseLike { clientX: number; clientY: number; button: number; buttons?: number; shiftKey: boolean; altKey: boolean }

export class EditorController implements ToolHost {
  readonly store: Store<EditorState>;
  readonly tools: Record<ToolId, StateNode>;
  readonly edits = new Edits(this);
  readonly review = new Review(this);
  readonly video = new VideoFrames(this);
  private canvas: HTMLCanvasElement | null = null;
  private fitted: number | null = null;
  /** Space is held: a drag pans, whatever the tool (as in most image editors). */
  private spaceHeld = false;
  private pan: { start: Point; view: View } | null = null;
  /** Where the pointer rests over the stage (null once it has left): Smart Polygon previews there as soon as it can
   * (chosen with the pointer already on an object, or the embedding ready after the last move). */
  private resting: MouseLike | null = null;
  private hoverAsk: { busy: boolean; next: Point | null } = { busy: false, next: null };
  /** Smart Polygon's in-browser decoder for the open image (./smartDecoder); null: the server answers. */
  private decoder: SmartDecoder | null = null;
  /** The in-browser decoder's last answer's logits, under its mask id (the next click refines it). */
  private browserMask: { id: string; logits: Float32Array } | null = null;
  private browserMasks = 0;
  /** Set by next/previous until the image it went to has loaded: input that follows waits for it (N then Ctrl+V
   * pastes on the new image, as typed). */
  private arrival: { id: number; resolve: () => void } | null = null;
  private opened = 0;
  /** The filters of the grid the editor was opened from (in its URL): next / previous walk that grid. */
  private grid: GridFilters | null = null;
  /** Input, one event at a time: an edit is saved and reloaded before the next event acts (see ./serialInput). */
  readonly input: SerialQueue;

  constructor(imageId: number, private readonly navigate: (path: string) => void) {
    this.store = new Store(initialState(imageId));
    this.tools = {
      select: new SelectTool(this),
      polygon: new PolygonTool(this),
      smart: new SmartTool(this),
      brush: new BrushTool(this, false),
      eraser: new BrushTool(this, true),
    };
    this.tools[this.store.get().tool].enter();
    this.input = new SerialQueue(() => queueMicrotask(() => this.input.next()), (error) => this.say(error.message));
  }

  get state(): EditorState {
    return this.store.get();
  }

  /** The caller's role in the image's project does not allow editing annotations (a viewer): the editor only shows. */
  get readOnly(): boolean {
    const project = this.state.loaded?.project;
    return project !== undefined && !(project.permissions ?? []).includes("annotation.write");
  }

  say(message: string): void {
    this.store.set({ message });
  }

  // ---- the image ------------------------------------------------------------------------------------------

  /** Show another image: the last one stays on screen, untouchable, until this one has loaded. */
  open(imageId: number): void {
    const token = ++this.opened;
    const current = () => token === this.opened;
    const arrived = () => {
      if (this.arrival?.id !== imageId) return;
      this.arrival.resolve();
      this.arrival = null;
    };
    this.tools[this.state.tool].exit();
    this.decoder = null;
    this.browserMask = null;
    this.store.set({
      imageId, draft: [], prompt: NO_PROMPT, hoverPreview: [], selected: null, hovered: null, selectedVertex: null, override: null,
      hidden: new Set(), locked: new Set(), embedding: "",
    });
    this.tools[this.state.tool].enter();
    (async () => {
      const image = await api.image(imageId);
      const project = await api.project(image.project ?? "");
      const picture = new Image();
      picture.src = `/api/v1/images/${imageId}/file`;
      await picture.decode();
      const shown = await api.annotations(imageId);
      if (!current()) return;
      // the image and its annotations arrive together: nothing ever acts on one image's annotations over another
      this.store.set((s) => ({
        loaded: { image, project, picture }, ...withAnnotations(shown),
        categoryId: s.categoryId ?? project.categories[0]?.id ?? null,
      }));
      this.fit();
      arrived();
      this.video.load(imageId, image.video_id).catch((e) => this.say(e.message));
      // the project's own models first (newest first), then the others
      const trained = (await api.models()).sort(
        (a, b) => Number(b.project === project.name) - Number(a.project === project.name) || b.id - a.id,
      );
      if (!current()) return;
      this.store.set((s) => ({ models: trained, assistModel: s.assistModel || (trained.length ? String(trained[0].id) : "") }));
    })().catch((e) => this.say(e.message)).finally(arrived);
    this.pollEmbedding(imageId, current);
    this.locate(imageId, current).catch((e) => this.say(e.message));
    this.review.load(imageId).catch((e) => this.say(e.message));
  }

  /** The grid's filters, from the editor's URL (`?status=unannotated&split=valid`). */
  setGrid(filters: GridFilters): void {
    this.grid = filters;
  }

  /** The grid's search (`?status=unannotated`, or ""), for links back to it and on to the next image. */
  get gridSearch(): string {
    return this.grid ? gridSearch(this.grid) : "";
  }

  /** Ask where the image stands in the grid it came from: its neighbours there, and "12 / 141". */
  private async locate(imageId: number, current: () => boolean): Promise<void> {
    const place = await editorApi.place(imageId, this.grid ? serverQuery(this.grid) : {});
    if (current()) this.store.set({ place: { ...place, imageId } });
  }

  /** Smart Polygon needs the image's embedding: ask for it as soon as the image opens, and say while it is computed. */
  private pollEmbedding(imageId: number, current: () => boolean): void {
    const poll = async () => {
      try {
        const status = await api.embed(imageId);
        if (!current()) return;
        if (status.status !== "ready") {
          this.store.set({ embedding: "computing" });
          setTimeout(poll, 400);
          return;
        }
        const decoder = await openDecoder(imageId);
        if (!current()) return;
        this.decoder = decoder;
        this.store.set({ embedding: "ready" });
        this.previewAtRest();
      } catch {
        if (current()) this.store.set({ embedding: "" });
      }
    };
    poll();
  }

  /** Stop acting on answers that come after the editor has gone. */
  close(): void {
    this.opened++;
    this.video.stop();
  }

  /** Fetch this image's annotations again; an answer that comes after the editor moved to another image is dropped. */
  async reload(): Promise<void> {
    const imageId = this.state.imageId;
    const fetched = await api.annotations(imageId);
    if (this.state.imageId !== imageId) return;
    this.store.set((s) => ({
      ...withAnnotations(fetched),
      selected: fetched.some((a) => a.id === s.selected) ? s.selected : null,
    }));
    // a frame's marks in the strip follow its annotations (a proposal accepted, one drawn)
    await this.video.load(imageId, this.state.loaded?.image.video_id);
  }

  attach(canvas: HTMLCanvasElement | null): void {
    this.canvas = canvas;
    this.fit();
  }

  /** The whole image, centred in the stage: when it opens, and with F. */
  fit(force = false): void {
    const { loaded } = this.state;
    const element = this.canvas;
    if (!loaded || !element || (!force && this.fitted === loaded.image.id)) return;
    this.fitted = loaded.image.id;
    const zoom = Math.min(element.clientWidth / loaded.image.width, element.clientHeight / loaded.image.height);
    this.store.set({
      view: { zoom, offset: [(element.clientWidth - loaded.image.width * zoom) / 2, (element.clientHeight - loaded.image.height * zoom) / 2] },
    });
  }

  zoom(event: { clientX: number; clientY: number; deltaY: number }): void {
    const rect = this.canvas!.getBoundingClientRect();
    this.store.set((s) => ({ view: zoomAt(s.view, [event.clientX - rect.left, event.clientY - rect.top], event.deltaY < 0 ? 1.15 : 1 / 1.15) }));
  }

  // ---- input: pointer events go to the active tool, after a pan has had its say ------------------------------

  private info(event: MouseLike): PointerInfo {
    const rect = this.canvas!.getBoundingClientRect();
    return {
      point: toImage([event.clientX - rect.left, event.clientY - rect.top], this.state.view),
      client: [event.clientX, event.clientY],
      shift: event.shiftKey,
    };
  }

  private async toTool(event: ToolEvent | "complete" | "cancel", info?: PointerInfo): Promise<void> {
    await this.tools[this.state.tool].handle(event, info);
  }

  pointerDown(event: MouseLike): unknown {
    if (!isReady(this.state)) return undefined; // clicks on the last image while the next one loads are dropped
    if (event.button === 1 || event.button === 2 || event.altKey || this.spaceHeld || this.readOnly) {
      this.pan = { start: [event.clientX, event.clientY], view: this.state.view };
      return undefined;
    }
    return this.toTool("pointerDown", this.info(event));
  }

  pointerMove(event: MouseLike): unknown {
    const pan = this.pan;
    if (pan) {
      const offset: Point = [pan.view.offset[0] + event.clientX - pan.start[0], pan.view.offset[1] + event.clientY - pan.start[1]];
      this.store.set({ view: { ...pan.view, offset } });
      return undefined;
    }
    if (!isReady(this.state)) return undefined;
    const { clientX, clientY, button, shiftKey, altKey } = event;
    this.resting = event.buttons ? null : { clientX, clientY, button, shiftKey, altKey };
    const info = this.info(event);
    // with the select tool, the annotation a click would pick is highlighted, here and in the list
    if (this.state.tool === "select" && !event.buttons) this.highlight(pickAt(this.state, info.point)?.id ?? null);
    return this.toTool("pointerMove", info);
  }

  pointerUp(event: MouseLike): unknown {
    if (this.pan) { this.pan = null; return undefined; }
    return isReady(this.state) ? this.toTool("pointerUp", this.info(event)) : undefined;
  }

  doubleClick(event: MouseLike): unknown {
    return isReady(this.state) && !this.readOnly ? this.toTool("doubleClick", this.info(event)) : undefined;
  }

  pointerLeave(): unknown {
    this.resting = null;
    this.highlight(null);
    return this.toTool("pointerLeave");
  }

  holdSpace(held: boolean): void {
    this.spaceHeld = held;
  }

  // ---- what the tools ask for -------------------------------------------------------------------------------

  /** Selecting never changes the class new shapes get (that was a mislabel waiting to happen). */
  select(id: number | null): void {
    this.store.set({ selected: id, selectedVertex: null });
  }

  /** Highlight one annotation (under the pointer on the image or in the list), or none. */
  highlight(id: number | null): void {
    if (this.state.hovered !== id) this.store.set({ hovered: id });
  }

  chooseTool(tool: ToolId): void {
    if (tool === this.state.tool || (this.readOnly && tool !== "select")) return;
    this.tools[this.state.tool].exit();
    this.store.set({ tool });
    this.tools[tool].enter();
    this.previewAtRest();
  }

  /** Smart Polygon's hover preview at the resting pointer, as if it had just moved there (through the input queue,
   * after whatever waits). */
  private previewAtRest(): void {
    const resting = this.resting;
    if (resting && this.state.tool === "smart") this.input.submit(() => isReady(this.state) && this.toTool("pointerMove", this.info(resting)));
  }

  complete(): Promise<void> {
    return this.toTool("complete");
  }

  cancel(): Promise<void> {
    this.store.set({ help: false, selectedVertex: null });
    return this.toTool("cancel");
  }

  // the edits the tools ask for (see ./edits)

  reshape(current: Annotation, result: Shape[], label: string): Promise<void> {
    return this.edits.reshape(current, result, label);
  }

  commitDrawn(shapes: Shape[], what: string): Promise<void> {
    return this.edits.commitDrawn(shapes, what);
  }

  finishStroke(path: Point[], erase: boolean): Promise<void> {
    return this.edits.finishStroke(path, erase);
  }

  async askSmart(points: SmartPrompt["points"], box: number[] | null): Promise<void> {
    const { imageId, prompt, detail } = this.state;
    this.store.set({ hoverPreview: [], prompt: { ...prompt, points, box } });
    const decoder = this.decoder;
    if (decoder) {
      const started = performance.now();
      const previous = this.browserMask && this.browserMask.id === prompt.maskId ? this.browserMask.logits : null;
      const decoded = await decoder.decode({ points, box, previous });
      const preview = decoder.shapes(decoded, detail);
      if (this.state.imageId !== imageId || this.state.tool !== "smart") return;
      this.browserMask = { id: `browser-${++this.browserMasks}`, logits: decoded.logits };
      this.store.set({ prompt: { points, box, maskId: this.browserMask.id, preview } });
      const count = preview.reduce((n, s) => n + s.exterior.length + s.holes.reduce((m, h) => m + h.length, 0), 0);
      this.say(`${decoder.model} (in the browser): ${count} points in ${Math.round(performance.now() - started)} ms`);
      return;
    }
    const answer = await api.segment(imageId, points, box, prompt.maskId, detail);
    if (this.state.imageId !== imageId || this.state.tool !== "smart") return;
    this.store.set({ prompt: { points, box, maskId: answer.mask_id, preview: answer.segmentation ? shapesOf(answer.segmentation) : [] } });
    this.say(`${answer.model}: ${answer.points} points in ${Math.round(answer.timing_ms.total)} ms`);
  }

  /** Hover preview: one request at a time; while one is out, only the latest cursor position waits its turn. */
  hover(point: Point): void {
    const state = this.hoverAsk;
    if (state.busy) { state.next = point; return; }
    state.busy = true;
    const { imageId, detail } = this.state;
    const decoder = this.decoder;
    const asked = decoder
      ? previewInBrowser(decoder, point, detail)
      : api.segment(imageId, [{ x: point[0], y: point[1], label: 1 }], null, null, detail)
        .then((answer) => answer.segmentation ? shapesOf(answer.segmentation) : []);
    asked
      .catch(() => [])
      .then((preview) => {
        const tool = this.tools.smart;
        // only while Smart Polygon still waits for its first prompt on this image
        if (this.state.tool === "smart" && tool.path[0] === "idle" && this.state.imageId === imageId) this.store.set({ hoverPreview: preview });
      })
      .finally(() => {
        state.busy = false;
        const next = state.next;
        state.next = null;
        if (next) this.hover(next);
      });
  }

  // ---- actions (see ./actions: each has its shortcut, its button and its line of help) --------------------------

  /** Tab / Shift+Tab: the next / previous annotation that can be picked (shown, not locked), in list order. */
  cycleSelection(step: 1 | -1): void {
    const s = this.state;
    const pickable = s.annotations.filter((a) => isVisible(s, a) && !s.locked.has(a.id));
    if (!pickable.length) return;
    const at = pickable.findIndex((a) => a.id === s.selected);
    const next = at < 0 ? (step > 0 ? 0 : pickable.length - 1) : (at + step + pickable.length) % pickable.length;
    this.select(pickable[next].id);
  }

  cycleDrawMode(): void {
    this.store.set((s) => ({ drawMode: DRAW_MODES[(DRAW_MODES.indexOf(s.drawMode) + 1) % DRAW_MODES.length] }));
  }

  /** Next or previous: in queue mode the queue's, for a frame of a video its video's frame, else the project's. */
  async go(which: "previous" | "next"): Promise<void> {
    const queue = this.review.queue;
    const frame = queue ? undefined : this.video.neighbour(which === "next" ? 1 : -1);
    const target = queue
      ? await this.review.step(which)
      : frame !== undefined ? frame : await this.neighbour(which);
    if (target === null) {
      const filtered = this.gridSearch ? " in the filtered grid" : "";
      this.say(queue ? "nothing else waits in your queue" : frame === null ? `no ${which} frame` : `no ${which} image${filtered}`);
      return;
    }
    await this.show(target);
  }

  /** The next or previous image of the grid the editor came from (asked again if the image moved on since). */
  private async neighbour(which: "previous" | "next"): Promise<number | null> {
    const { place, imageId } = this.state;
    if (place?.imageId === imageId) return place[which];
    return (await editorApi.place(imageId, this.grid ? serverQuery(this.grid) : {}))[which];
  }

  /** Open another image (keeping queue mode, or the grid's filters), resolved once it has loaded. */
  async show(target: number): Promise<void> {
    const queue = this.review.queue;
    const loadedThere = new Promise<void>((resolve) => { this.arrival = { id: target, resolve }; });
    this.navigate(queue ? `/images/${target}?queue=${queue}` : `/images/${target}${this.gridSearch}`);
    await loadedThere;
  }

}

/** A hover preview from the in-browser decoder; its time is measured as `seglab-smart-hover` (the benchmark reads it). */
async function previewInBrowser(decoder: SmartDecoder, [x, y]: Point, detail: number): Promise<Shape[]> {
  const start = performance.now();
  const decoded = await decoder.decode({ points: [{ x, y, label: 1 }], box: null, previous: null, hover: true });
  const traced = performance.now();
  const shapes = decoder.preview(decoded, detail);
  performance.measure("seglab-smart-outline", { start: traced });
  performance.measure("seglab-smart-hover", { start });
  return shapes;
}
