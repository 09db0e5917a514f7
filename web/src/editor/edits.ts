// The edits of the image's annotations, each saved on the server at once and then reloaded: drawing, reshaping,
// classes, deletion, copy and paste, review, and undo/redo (the server's, per person and image, over its stored
// revisions). A 409 means someone else changed an annotation first: theirs is shown, never overwritten.

import { Annotation, api, ApiError, Geometry } from "../api";
import type { EditorController } from "./controller";
import { editorApi } from "./editorApi";
import { Point, Shape } from "./geometry";
import { brushStroke, clipToImage, removeVertex, subtract, unite } from "./shapes";
import { drawingEffect, selectedAfterCreate } from "./drawing";
import { editable, geometryOf, isVisible, shapesFor } from "./state";

type Change = { geometry?: Geometry; category_id?: number };

/** Annotations copied with Ctrl+C, kept while the app is open so they can be pasted on another image (the next
 * frame of a video, say); the class goes by name, so a paste into another project finds its class there. */
let clipboard: { className: string; shapes: Shape[] }[] = [];

export class Edits {
  constructor(private readonly editor: EditorController) {}

  /** A new annotation of the class chosen for new shapes; see ./drawing for what stays selected after it. */
  private async create(geometry: Geometry, source: string): Promise<void> {
    const { categoryId, imageId, drawMode } = this.editor.state;
    if (categoryId === null) { this.editor.say("add a class to the project first"); return; }
    const created = await editorApi.createAnnotation(imageId, categoryId, geometry, source);
    this.editor.say("saved");
    await this.editor.reload();
    this.editor.store.set({ selected: selectedAfterCreate(drawMode, created.id), selectedVertex: null });
  }

  /** Save a change to one annotation; a 409 means someone else changed it first: show theirs, never overwrite it. */
  private async save(current: Annotation, change: Change): Promise<void> {
    try {
      await api.updateAnnotation(current.id, current.revision, change);
      this.editor.say("saved");
    } catch (e) {
      this.editor.say(e instanceof ApiError && e.status === 409 ? "conflict: this annotation was changed elsewhere; reloaded" : (e as Error).message);
    }
    await this.editor.reload();
  }

  private async remove(current: Annotation, label = "delete"): Promise<void> {
    await api.deleteAnnotation(current.id, current.revision);
    this.editor.store.set({ selected: null, selectedVertex: null });
    this.editor.say(label === "delete" ? "deleted" : `${label}: nothing left, deleted`);
    await this.editor.reload();
  }

  /** Replace an annotation's shapes; if an edit leaves nothing (all erased), the annotation goes. */
  async reshape(current: Annotation, result: Shape[], label: string): Promise<void> {
    if (!result.length) await this.remove(current, label);
    else await this.save(current, { geometry: geometryOf(result) });
  }

  /** A finished polygon, brush stroke or Smart Polygon: a new annotation, or (the draw mode chosen) a part added
   * to / a hole cut in the selected one. */
  async commitDrawn(shapes: Shape[], what: string): Promise<void> {
    const s = this.editor.state;
    const effect = drawingEffect(s);
    if (effect === null) { this.editor.say("cut a hole: select the annotation to cut first"); return; }
    if (effect.kind === "new") { await this.create(geometryOf(shapes), what === "smart polygon" ? "assist:smart-polygon" : "manual"); return; }
    const own = shapesFor(s, effect.target.id);
    if (effect.kind === "add") await this.reshape(effect.target, unite(own, shapes), `${what}: add a part`);
    else await this.reshape(effect.target, subtract(own, shapes), `${what}: cut a hole`);
  }

  /** The eraser always erases from the selected annotation; a brush stroke is a drawing like any other. */
  async finishStroke(path: Point[], erase: boolean): Promise<void> {
    const s = this.editor.state;
    const painted = brushStroke(path, s.brushRadius);
    if (!erase) { await this.commitDrawn(painted, "brush"); return; }
    const target = editable(s);
    if (!target) { this.editor.say("select an annotation to erase from"); return; }
    await this.reshape(target, subtract(shapesFor(s, target.id), painted), "eraser");
  }

  /** The class new shapes get: only the class picker (or a digit with nothing selected) changes it. */
  chooseClass(id: number): void {
    this.editor.store.set({ categoryId: id });
  }

  /** Give the selected annotation another class (the class of new shapes stays as it is). */
  async reclassify(id: number): Promise<void> {
    const current = editable(this.editor.state);
    if (current && current.category_id !== id) await this.save(current, { category_id: id });
  }

  /** Digits 1–9: with an annotation selected, give it that class; with none, choose the class of new shapes. */
  async chooseClassAt(index: number): Promise<void> {
    const category = this.editor.state.loaded?.project.categories[index];
    if (!category) return;
    if (editable(this.editor.state)) await this.reclassify(category.id);
    else this.chooseClass(category.id);
  }

  async deleteSelection(): Promise<void> {
    const s = this.editor.state;
    const current = editable(s);
    if (!current) return;
    if (s.selectedVertex) {
      await this.reshape(current, removeVertex(shapesFor(s, current.id), s.selectedVertex), "remove vertex");
      this.editor.store.set({ selectedVertex: null });
    } else {
      await this.remove(current);
    }
  }

  /** Ctrl+C: the selected annotation, or every shown one when none is selected. */
  copy(): void {
    const s = this.editor.state;
    const chosen = s.selected !== null ? s.annotations.filter((a) => a.id === s.selected) : s.annotations.filter((a) => isVisible(s, a));
    const names = new Map((s.loaded?.project.categories ?? []).map((c) => [c.id, c.name]));
    clipboard = chosen
      .map((a) => ({ className: names.get(a.category_id) ?? "", shapes: shapesFor(s, a.id) }))
      .filter((c) => c.shapes.length);
    this.editor.say(clipboard.length ? `copied ${clipboard.length} annotation${clipboard.length === 1 ? "" : "s"}` : "nothing to copy");
  }

  /** Ctrl+V: the copied annotations as new ones on this image (clipped to it), made in one request: one undo step. */
  async paste(): Promise<void> {
    const { loaded, categoryId, imageId } = this.editor.state;
    if (!loaded || !clipboard.length) { this.editor.say("nothing to paste: copy annotations with Ctrl+C first"); return; }
    const byName = new Map(loaded.project.categories.map((c) => [c.name, c.id]));
    const pieces = clipboard
      .map((c) => ({
        category_id: byName.get(c.className) ?? categoryId,
        geometry: geometryOf(clipToImage(c.shapes, loaded.image.width, loaded.image.height)),
      }))
      .filter((p): p is { category_id: number; geometry: Geometry } => p.category_id !== null && p.geometry.type === "polygon" && p.geometry.parts.length > 0);
    if (!pieces.length) { this.editor.say(categoryId === null ? "add a class to the project first" : "nothing to paste: the copied annotations lie outside this image"); return; }
    const created = await editorApi.createAnnotations(imageId, pieces);
    this.editor.say(`pasted ${created.length} annotation${created.length === 1 ? "" : "s"}`);
    await this.editor.reload();
    this.editor.store.set({ selected: created.length === 1 ? created[0].id : null });
  }

  /** Ctrl+Z / Ctrl+Shift+Z: the server undoes or redoes this person's last edit of the image, exactly. */
  async history(which: "undo" | "redo"): Promise<void> {
    const imageId = this.editor.state.imageId;
    try {
      const step = await editorApi[which](imageId);
      this.editor.say(`${which === "undo" ? "undid" : "redid"} ${step.label}`);
    } catch (e) {
      if (!(e instanceof ApiError && e.status === 409)) throw e;
      this.editor.say(e.message);
    }
    this.editor.store.set({ selectedVertex: null, override: null });
    await this.editor.reload();
  }

  async runLabelAssist(): Promise<void> {
    const { loaded, assistModel, assistConfidence, imageId } = this.editor.state;
    if (!loaded || !assistModel) return;
    const report = await api.labelAssist(loaded.project.name, assistModel, [imageId], assistConfidence);
    this.editor.say(`label assist: ${report.annotations} proposals to review`);
    await this.editor.reload();
  }

  async review(annotation: Annotation, keep: boolean): Promise<void> {
    if (keep) await api.accept(annotation.id, annotation.revision, annotation.attributes);
    else await api.deleteAnnotation(annotation.id, annotation.revision);
    // a decided proposal is done with: it is not left selected for the next drawing to extend
    if (this.editor.state.selected === annotation.id) this.editor.select(null);
    await this.editor.reload();
  }

  /** Record what a person decided about the whole image: `null` (no objects in it) or `reviewed` (checked). */
  async markImage(status: "null" | "reviewed"): Promise<void> {
    // a null image holds no objects: one with annotations becomes null only if the person agrees to delete them
    // (the server refuses it otherwise; undo brings them back)
    const count = this.editor.state.annotations.length;
    const clear = status === "null" && count > 0;
    if (clear && !window.confirm(`Delete the ${count} annotation${count === 1 ? "" : "s"} on this image and mark it null (no objects)?`)) return;
    const updated = await api.setStatus(this.editor.state.imageId, status, clear);
    if (clear) await this.editor.reload();
    this.editor.store.set((s) => ({ loaded: s.loaded && s.loaded.image.id === updated.id ? { ...s.loaded, image: updated } : s.loaded }));
    this.editor.say(status === "null" ? "marked as null: no objects in this image" : "marked as reviewed");
  }
}
