// The editor's behaviour, outside React: it loads an image, routes pointer events to the active tool's state
// machine and keys to the action table, and sends every edit to the server. Undo and redo are the server's
// (per person and image, over stored revisions); after each edit the image's annotations are reloaded.

import { Annotation, api, ApiError, Geometry } from "../api";
import { editorApi } from "./editorApi";
import { Point, Shape, toImage, View, zoomAt } from "./geometry";
import { brushStroke, clipToImage, removeVertex, subtract, unite } from "./shapes";
import { SerialQueue } from "./serialInput";
import {
  DRAW_MODES, editable, EditorState, geometryOf, initialState, isReady, isVisible, NO_PROMPT, shapesFor, shapesOf,
  SmartPrompt, ToolId, withAnnotations,
} from "./state";
import { Store } from "./store";
import { BrushTool } from "./tools/brush";
import { PolygonTool } from "./tools/polygon";
import { SelectTool } from "./tools/select";
import { SmartTool } from "./tools/smart";
import { PointerInfo, StateNode, ToolEvent, ToolHost } from "./tools/stateNode";

type Change = { geometry?: Geometry; category_id?: number };

/** Annotations copied with Ctrl+C, kept while the app is open so they can be pasted on another image (the next
 * frame of a video, say); the class goes by name, so a paste into another project finds its class there. */
let clipboard: { className: string; shapes: Shape[] }[] = [];

/** The mouse event fields the editor reads (a React or a DOM event). */
export interface MouseLike { clientX: number; clientY: number; button: number; shiftKey: boolean; altKey: boolean }

export class EditorController implements ToolHost {
  readonly store: Store<EditorState>;
  readonly tools: Record<ToolId, StateNode>;
  private canvas: HTMLCanvasElement | null = null;
  private fitted: number | null = null;
  /** Space is held: a drag pans, whatever the tool (as in most image editors). */
  private spaceHeld = false;
  private pan: { start: Point; view: View } | null = null;
  private hoverAsk: { busy: boolean; next: Point | null } = { busy: false, next: null };
  /** Set by next/previous until the image it went to has loaded: input that follows waits for it (N then Ctrl+V
   * pastes on the new image, as typed). */
  private arrival: { id: number; resolve: () => void } | null = null;
  private opened = 0;
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
    this.store.set({
      imageId, draft: [], prompt: NO_PROMPT, hoverPreview: [], selected: null, selectedVertex: null, override: null,
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
      // the project's own models first (newest first), then the others
      const trained = (await api.models()).sort(
        (a, b) => Number(b.project === project.name) - Number(a.project === project.name) || b.id - a.id,
      );
      if (!current()) return;
      this.store.set((s) => ({ models: trained, assistModel: s.assistModel || (trained.length ? String(trained[0].id) : "") }));
    })().catch((e) => this.say(e.message)).finally(arrived);
    this.pollEmbedding(imageId, current);
  }

  /** Smart Polygon needs the image's embedding: ask for it as soon as the image opens, and say while it is computed. */
  private pollEmbedding(imageId: number, current: () => boolean): void {
    const poll = async () => {
      try {
        const status = await api.embed(imageId);
        if (!current()) return;
        this.store.set({ embedding: status.status === "ready" ? "ready" : "computing" });
        if (status.status !== "ready") setTimeout(poll, 400);
      } catch {
        if (current()) this.store.set({ embedding: "" });
      }
    };
    poll();
  }

  /** Stop acting on answers that come after the editor has gone. */
  close(): void {
    this.opened++;
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
    if (event.button === 1 || event.button === 2 || event.altKey || this.spaceHeld) {
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
    return isReady(this.state) ? this.toTool("pointerMove", this.info(event)) : undefined;
  }

  pointerUp(event: MouseLike): unknown {
    if (this.pan) { this.pan = null; return undefined; }
    return isReady(this.state) ? this.toTool("pointerUp", this.info(event)) : undefined;
  }

  doubleClick(event: MouseLike): unknown {
    return isReady(this.state) ? this.toTool("doubleClick", this.info(event)) : undefined;
  }

  pointerLeave(): unknown {
    return this.toTool("pointerLeave");
  }

  holdSpace(held: boolean): void {
    this.spaceHeld = held;
  }

  // ---- what the tools ask for -------------------------------------------------------------------------------

  select(id: number | null): void {
    const chosen = this.state.annotations.find((a) => a.id === id);
    this.store.set((s) => ({ selected: id, selectedVertex: null, categoryId: chosen ? chosen.category_id : s.categoryId }));
  }

  chooseTool(tool: ToolId): void {
    if (tool === this.state.tool) return;
    this.tools[this.state.tool].exit();
    this.store.set({ tool });
    this.tools[tool].enter();
  }

  complete(): Promise<void> {
    return this.toTool("complete");
  }

  cancel(): Promise<void> {
    this.store.set({ help: false, selectedVertex: null });
    return this.toTool("cancel");
  }

  private async create(geometry: Geometry): Promise<void> {
    const { categoryId, imageId } = this.state;
    if (categoryId === null) { this.say("add a class to the project first"); return; }
    const created = await api.createAnnotation(imageId, categoryId, geometry);
    this.say("saved");
    await this.reload();
    this.store.set({ selected: created.id });
  }

  /** Save a change to one annotation; a 409 means someone else changed it first: show theirs, never overwrite it. */
  private async save(current: Annotation, change: Change): Promise<void> {
    try {
      await api.updateAnnotation(current.id, current.revision, change);
      this.say("saved");
    } catch (e) {
      this.say(e instanceof ApiError && e.status === 409 ? "conflict: this annotation was changed elsewhere; reloaded" : (e as Error).message);
    }
    await this.reload();
  }

  private async remove(current: Annotation, label = "delete"): Promise<void> {
    await api.deleteAnnotation(current.id, current.revision);
    this.store.set({ selected: null, selectedVertex: null });
    this.say(label === "delete" ? "deleted" : `${label}: nothing left, deleted`);
    await this.reload();
  }

  /** Replace an annotation's shapes; if an edit leaves nothing (all erased), the annotation goes. */
  async reshape(current: Annotation, result: Shape[], label: string): Promise<void> {
    if (!result.length) await this.remove(current, label);
    else await this.save(current, { geometry: geometryOf(result) });
  }

  async commitDrawn(shapes: Shape[], what: string): Promise<void> {
    const s = this.state;
    const target = editable(s);
    if (s.drawMode !== "new" && target) {
      const own = shapesFor(s, target.id);
      if (s.drawMode === "add") await this.reshape(target, unite(own, shapes), `${what}: add a part`);
      else await this.reshape(target, subtract(own, shapes), `${what}: cut a hole`);
    } else {
      await this.create(geometryOf(shapes));
    }
  }

  async finishStroke(path: Point[], erase: boolean): Promise<void> {
    const s = this.state;
    const painted = brushStroke(path, s.brushRadius);
    const target = editable(s);
    if (erase) {
      if (!target) { this.say("select an annotation to erase from"); return; }
      await this.reshape(target, subtract(shapesFor(s, target.id), painted), "eraser");
    } else if (target) {
      await this.reshape(target, unite(shapesFor(s, target.id), painted), "brush");
    } else {
      await this.create(geometryOf(painted));
    }
  }

  async askSmart(points: SmartPrompt["points"], box: number[] | null): Promise<void> {
    const { imageId, prompt, detail } = this.state;
    this.store.set({ hoverPreview: [], prompt: { ...prompt, points, box } });
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
    api.segment(imageId, [{ x: point[0], y: point[1], label: 1 }], null, null, detail)
      .then((answer) => answer.segmentation ? shapesOf(answer.segmentation) : [])
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

  async chooseClass(id: number): Promise<void> {
    this.store.set({ categoryId: id });
    const current = editable(this.state);
    if (current && current.category_id !== id) await this.save(current, { category_id: id });
  }

  async chooseClassAt(index: number): Promise<void> {
    const category = this.state.loaded?.project.categories[index];
    if (category) await this.chooseClass(category.id);
  }

  async deleteSelection(): Promise<void> {
    const s = this.state;
    const current = editable(s);
    if (!current) return;
    if (s.selectedVertex) {
      await this.reshape(current, removeVertex(shapesFor(s, current.id), s.selectedVertex), "remove vertex");
      this.store.set({ selectedVertex: null });
    } else {
      await this.remove(current);
    }
  }

  /** Tab / Shift+Tab: the next / previous annotation that can be picked (shown, not locked), in list order. */
  cycleSelection(step: 1 | -1): void {
    const s = this.state;
    const pickable = s.annotations.filter((a) => isVisible(s, a) && !s.locked.has(a.id));
    if (!pickable.length) return;
    const at = pickable.findIndex((a) => a.id === s.selected);
    const next = at < 0 ? (step > 0 ? 0 : pickable.length - 1) : (at + step + pickable.length) % pickable.length;
    this.select(pickable[next].id);
  }

  /** Ctrl+C: the selected annotation, or every shown one when none is selected. */
  copy(): void {
    const s = this.state;
    const chosen = s.selected !== null ? s.annotations.filter((a) => a.id === s.selected) : s.annotations.filter((a) => isVisible(s, a));
    const names = new Map((s.loaded?.project.categories ?? []).map((c) => [c.id, c.name]));
    clipboard = chosen
      .map((a) => ({ className: names.get(a.category_id) ?? "", shapes: shapesFor(s, a.id) }))
      .filter((c) => c.shapes.length);
    this.say(clipboard.length ? `copied ${clipboard.length} annotation${clipboard.length === 1 ? "" : "s"}` : "nothing to copy");
  }

  /** Ctrl+V: the copied annotations as new ones on this image (clipped to it), made in one request: one undo step. */
  async paste(): Promise<void> {
    const { loaded, categoryId, imageId } = this.state;
    if (!loaded || !clipboard.length) { this.say("nothing to paste: copy annotations with Ctrl+C first"); return; }
    const byName = new Map(loaded.project.categories.map((c) => [c.name, c.id]));
    const pieces = clipboard
      .map((c) => ({
        category_id: byName.get(c.className) ?? categoryId,
        geometry: geometryOf(clipToImage(c.shapes, loaded.image.width, loaded.image.height)),
      }))
      .filter((p): p is { category_id: number; geometry: Geometry } => p.category_id !== null && p.geometry.type === "polygon" && p.geometry.parts.length > 0);
    if (!pieces.length) { this.say(categoryId === null ? "add a class to the project first" : "nothing to paste: the copied annotations lie outside this image"); return; }
    const created = await editorApi.createAnnotations(imageId, pieces);
    this.say(`pasted ${created.length} annotation${created.length === 1 ? "" : "s"}`);
    await this.reload();
    this.store.set({ selected: created.length === 1 ? created[0].id : null });
  }

  /** Ctrl+Z / Ctrl+Shift+Z: the server undoes or redoes this person's last edit of the image, exactly. */
  async history(which: "undo" | "redo"): Promise<void> {
    const imageId = this.state.imageId;
    try {
      const step = await editorApi[which](imageId);
      this.say(`${which === "undo" ? "undid" : "redid"} ${step.label}`);
    } catch (e) {
      if (!(e instanceof ApiError && e.status === 409)) throw e;
      this.say(e.message);
    }
    this.store.set({ selectedVertex: null, override: null });
    await this.reload();
  }

  cycleDrawMode(): void {
    this.store.set((s) => ({ drawMode: DRAW_MODES[(DRAW_MODES.indexOf(s.drawMode) + 1) % DRAW_MODES.length] }));
  }

  async go(which: "previous" | "next"): Promise<void> {
    const target = (await api.neighbours(this.state.imageId))[which];
    if (target === null) { this.say(`no ${which} image`); return; }
    const loadedThere = new Promise<void>((resolve) => { this.arrival = { id: target, resolve }; });
    this.navigate(`/images/${target}`);
    await loadedThere;
  }

  async runLabelAssist(): Promise<void> {
    const { loaded, assistModel, assistConfidence, imageId } = this.state;
    if (!loaded || !assistModel) return;
    const report = await api.labelAssist(loaded.project.name, assistModel, [imageId], assistConfidence);
    this.say(`label assist: ${report.annotations} proposals to review`);
    await this.reload();
  }

  async review(annotation: Annotation, keep: boolean): Promise<void> {
    if (keep) await api.accept(annotation.id, annotation.revision, annotation.attributes);
    else await api.deleteAnnotation(annotation.id, annotation.revision);
    await this.reload();
  }

  /** Record what a person decided about the whole image: `null` (no objects in it) or `reviewed` (checked). */
  async markImage(status: "null" | "reviewed"): Promise<void> {
    const updated = await api.setStatus(this.state.imageId, status);
    this.store.set((s) => ({ loaded: s.loaded && s.loaded.image.id === updated.id ? { ...s.loaded, image: updated } : s.loaded }));
    this.say(status === "null" ? "marked as null: no objects in this image" : "marked as reviewed");
  }
}
