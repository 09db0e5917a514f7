import type { ReactNode } from "react";
import { Annotation, Category } from "../api";
import { colorOf } from "../colors";
import { ActionButton } from "./ActionButton";
import { action, keysText, runButton } from "./actions";
import { AnnotationList } from "./AnnotationList";
import { ReviewPanel } from "./ReviewPanel";
import type { EditorController } from "./controller";
import { DRAW_MODE_NAMES, DRAW_MODES, isReady, liveStatus, TOOLS, toggled } from "./state";
import { useStore } from "./store";
import "./editor.css";

/**
 * The side panel, in the order a labelling team reads it: where it is (file, "12 / 141", zoom, status and the
 * image's decisions), the tools with their keys, the classes, the annotation list, then moving on, review and
 * label assist. Each part reads only the slices of the store it shows, so pointer moves, strokes and pans (which
 * change other slices) never re-render it.
 */
export function Panel({ editor, back }: { editor: EditorController; back: ReactNode }) {
  const store = editor.store;
  const ready = useStore(store, isReady);
  const image = useStore(store, (s) => s.loaded?.image);
  const project = useStore(store, (s) => s.loaded?.project);
  const tool = useStore(store, (s) => s.tool);
  const brushRadius = useStore(store, (s) => s.brushRadius);
  const message = useStore(store, (s) => s.message);
  const embedding = useStore(store, (s) => s.embedding);
  const detail = useStore(store, (s) => s.detail);
  const categories = project?.categories ?? [];
  const report = (error: Error) => editor.say(error.message);
  /** A button runs its action through the input queue, after any edit still being saved. */
  const button = (id: string) => <ActionButton key={id} id={id} onClick={() => editor.input.submit(() => runButton(editor, id))} />;
  if (!image || !project) return null;
  if (editor.readOnly) return <ReadOnlyPanel editor={editor} back={back} />;
  return (
    <aside className="panel editor-panel">
      <fieldset className="plain" disabled={!ready}>
        <PanelHeader editor={editor} back={back} />
        <div className="row wrap">{["mark-null", "mark-reviewed"].map(button)}</div>
        <p role="status" data-testid="message">{message}</p>
        <div className="tools row">
          {TOOLS.map((t) => <ActionButton key={t} id={`tool-${t}`} active={tool === t} onClick={() => editor.chooseTool(t)} />)}
        </div>
        <DrawModeChoice editor={editor} />
        <ClassPickers editor={editor} />
        {(tool === "brush" || tool === "eraser") && (
          <label>
            brush size{" "}
            <input type="range" aria-label="brush size" min={1} max={200} value={brushRadius} onChange={(e) => store.set({ brushRadius: Number(e.target.value) })} /> {brushRadius} px
          </label>
        )}
        {tool === "smart" && (
          <label>
            detail{" "}
            <input type="range" aria-label="detail" min={0} max={1} step={0.05} value={detail} onChange={(e) => store.set({ detail: Number(e.target.value) })} />
          </label>
        )}
        <Annotations editor={editor} categories={categories} onReview={(a, keep) => editor.input.submit(() => editor.edits.review(a, keep).catch(report))} />
        <div className="row wrap">{["undo", "redo", "previous", "next"].map(button)}</div>
        <ReviewPanel editor={editor} />
        <p className="muted">Smart Polygon: {embedding || "unavailable"} · press ? for shortcuts</p>
        <LabelAssist editor={editor} />
      </fieldset>
    </aside>
  );
}

/** The way back, the file name (wrapped, never clipped), "12 / 141" in the grid it came from, the zoom, the status. */
function PanelHeader({ editor, back }: { editor: EditorController; back: ReactNode }) {
  const store = editor.store;
  const image = useStore(store, (s) => s.loaded?.image);
  const count = useStore(store, (s) => s.annotations.length);
  const place = useStore(store, (s) => (s.place?.imageId === s.imageId ? s.place : null));
  const zoom = useStore(store, (s) => Math.round(s.view.zoom * 100));
  if (!image) return null;
  const where = place && (place.position !== null ? `${place.position} / ${place.total}` : `not in this filter · ${place.total} are`);
  return (
    <div className="panel-header">
      <p>{back}</p>
      <h2 className="file-name" title={image.file_name}>{image.file_name}</h2>
      <p className="muted place">
        <span data-testid="image-place" title={editor.gridSearch ? "in the filtered grid you came from" : "in the project"}>{where}</span>
        {" · "}<span data-testid="zoom" title="zoom (wheel; F fits)">{zoom}%</span>
        {" · "}<span data-testid="image-status">status: {liveStatus(image.status, count)}</span>
      </p>
    </div>
  );
}

/** What a drawing makes: a new annotation unless "add a part" or "cut a hole" is chosen here (or with M). */
function DrawModeChoice({ editor }: { editor: EditorController }) {
  const drawMode = useStore(editor.store, (s) => s.drawMode);
  const key = keysText(action("draw-mode"))[0];
  return (
    <fieldset className="draw-mode" title={action("draw-mode").help}>
      <legend>A drawing makes <kbd aria-hidden="true">{key}</kbd></legend>
      {DRAW_MODES.map((mode) => (
        <label key={mode}>
          <input type="radio" name="draw-mode" checked={drawMode === mode} onChange={() => editor.store.set({ drawMode: mode })} /> {DRAW_MODE_NAMES[mode]}
        </label>
      ))}
    </fieldset>
  );
}

/** The class new shapes get (only this picker, or a digit with nothing selected, changes it), and — apart from
 * it — the selected annotation's class. */
function ClassPickers({ editor }: { editor: EditorController }) {
  const store = editor.store;
  const categories = useStore(store, (s) => s.loaded?.project.categories) ?? [];
  const categoryId = useStore(store, (s) => s.categoryId);
  const selected = useStore(store, (s) => s.annotations.find((a) => a.id === s.selected));
  const number = useStore(store, (s) => s.annotations.findIndex((a) => a.id === s.selected) + 1);
  const options = categories.map((c, i) => <option key={c.id} value={c.id}>{i < 9 ? `${i + 1} · ` : ""}{c.name}</option>);
  return (
    <div className="class-pickers">
      <label>
        <Swatch color={categoryId === null ? "transparent" : colorOf(categories, categoryId)} /> new shapes{" "}
        <select aria-label="class" value={categoryId ?? ""} onChange={(e) => editor.edits.chooseClass(Number(e.target.value))}>{options}</select>
      </label>
      {selected && (
        <label>
          <Swatch color={colorOf(categories, selected.category_id)} /> #{number} is{" "}
          <select aria-label="selected annotation's class" value={selected.category_id}
            onChange={(e) => editor.input.submit(() => editor.edits.reclassify(Number(e.target.value)))}>{options}</select>
        </label>
      )}
    </div>
  );
}

/** The annotation list with its count; hovering a row highlights its shape on the image (and the other way). */
function Annotations({ editor, categories, onReview }: {
  editor: EditorController; categories: Category[]; onReview?: (a: Annotation, keep: boolean) => void;
}) {
  const store = editor.store;
  const annotations = useStore(store, (s) => s.annotations);
  const selected = useStore(store, (s) => s.selected);
  const hovered = useStore(store, (s) => s.hovered);
  const hidden = useStore(store, (s) => s.hidden);
  const allHidden = useStore(store, (s) => s.allHidden);
  const locked = useStore(store, (s) => s.locked);
  return (
    <section className="annotation-list">
      <h3>Annotations <span className="count" data-testid="annotation-count">{annotations.length}</span></h3>
      <AnnotationList
        annotations={annotations}
        categories={categories}
        selected={selected}
        hovered={hovered}
        hidden={allHidden ? new Set(annotations.map((a) => a.id)) : hidden}
        locked={locked}
        onSelect={(id) => editor.select(id)}
        onHover={(id) => editor.highlight(id)}
        onToggleHidden={(id) => { store.set((s) => ({ hidden: toggled(s.hidden, id) })); if (id === selected) editor.select(null); }}
        onToggleLocked={(id) => store.set((s) => ({ locked: toggled(s.locked, id) }))}
        onReview={onReview}
      />
    </section>
  );
}

function Swatch({ color }: { color: string }) {
  return <span className="swatch" style={{ background: color }} aria-hidden="true" />;
}

/** For a role that may only look (a viewer): the image, its annotations, moving on; nothing that edits. */
function ReadOnlyPanel({ editor, back }: { editor: EditorController; back: ReactNode }) {
  const project = useStore(editor.store, (s) => s.loaded?.project);
  const message = useStore(editor.store, (s) => s.message);
  if (!project) return null;
  return (
    <aside className="panel editor-panel" data-testid="read-only">
      <PanelHeader editor={editor} back={back} />
      <p className="badge">read-only: your role in this project ({project.role ?? "none"}) does not allow editing</p>
      <div className="row">
        {["previous", "next"].map((id) => <ActionButton key={id} id={id} onClick={() => editor.input.submit(() => runButton(editor, id))} />)}
      </div>
      <p role="status" data-testid="message">{message}</p>
      <Annotations editor={editor} categories={project.categories} />
    </aside>
  );
}

function LabelAssist({ editor }: { editor: EditorController }) {
  const store = editor.store;
  const models = useStore(store, (s) => s.models);
  const assistModel = useStore(store, (s) => s.assistModel);
  const assistConfidence = useStore(store, (s) => s.assistConfidence);
  return (
    <fieldset>
      <legend>Label assist</legend>
      <select aria-label="assist model" value={assistModel} onChange={(e) => store.set({ assistModel: e.target.value })}>
        {models.length === 0 && <option value="">no trained model</option>}
        {models.map((m) => <option key={m.id} value={m.id}>{m.version} · model {m.id}</option>)}
      </select>{" "}
      <input aria-label="assist confidence" type="number" min={0} max={1} step={0.05} value={assistConfidence}
        onChange={(e) => store.set({ assistConfidence: Number(e.target.value) })} style={{ width: 70 }} />{" "}
      <button onClick={() => editor.input.submit(() => editor.edits.runLabelAssist())} disabled={!assistModel}>Run on this image</button>
    </fieldset>
  );
}
