import type { ReactNode } from "react";
import { action, runButton } from "./actions";
import { AnnotationList } from "./AnnotationList";
import { ReviewPanel } from "./ReviewPanel";
import type { EditorController } from "./controller";
import { DRAW_MODE_NAMES, DRAW_MODES, isReady, liveStatus, TOOLS, toggled } from "./state";
import { useStore } from "./store";

/**
 * The side panel. Each part reads only the slices of the store it shows, so pointer moves, strokes and pans
 * (which change other slices) never re-render it.
 */
export function Panel({ editor, back }: { editor: EditorController; back: ReactNode }) {
  const store = editor.store;
  const ready = useStore(store, isReady);
  const image = useStore(store, (s) => s.loaded?.image);
  const project = useStore(store, (s) => s.loaded?.project);
  const tool = useStore(store, (s) => s.tool);
  const categoryId = useStore(store, (s) => s.categoryId);
  const drawMode = useStore(store, (s) => s.drawMode);
  const brushRadius = useStore(store, (s) => s.brushRadius);
  const message = useStore(store, (s) => s.message);
  const embedding = useStore(store, (s) => s.embedding);
  const detail = useStore(store, (s) => s.detail);
  const annotations = useStore(store, (s) => s.annotations);
  const selected = useStore(store, (s) => s.selected);
  const hidden = useStore(store, (s) => s.hidden);
  const allHidden = useStore(store, (s) => s.allHidden);
  const locked = useStore(store, (s) => s.locked);
  const categories = project?.categories ?? [];
  const report = (error: Error) => editor.say(error.message);
  /** A button runs its action through the input queue, after any edit still being saved. */
  const button = (id: string) => (
    <button key={id} title={action(id).help} onClick={() => editor.input.submit(() => runButton(editor, id))}>{action(id).label}</button>
  );
  if (!image || !project) return null;
  if (editor.readOnly) return <ReadOnlyPanel editor={editor} back={back} />;
  return (
    <aside className="panel">
      <fieldset className="plain" disabled={!ready}>
        <p>{back}</p>
        <h2>{image.file_name}</h2>
        <div className="tools row">
          {TOOLS.map((t) => (
            <button key={t} className={tool === t ? "active" : ""} title={action(`tool-${t}`).help}
              onClick={() => editor.chooseTool(t)}>{action(`tool-${t}`).label}</button>
          ))}
        </div>
        <label>
          class{" "}
          <select aria-label="class" value={categoryId ?? ""} onChange={(e) => editor.input.submit(() => editor.edits.chooseClass(Number(e.target.value)))}>
            {categories.map((c, i) => <option key={c.id} value={c.id}>{i < 9 ? `${i + 1} · ` : ""}{c.name}</option>)}
          </select>
        </label>
        <fieldset className="draw-mode">
          <legend>A drawn shape makes</legend>
          {DRAW_MODES.map((mode) => (
            <label key={mode}>
              <input type="radio" name="draw-mode" checked={drawMode === mode} onChange={() => store.set({ drawMode: mode })} /> {DRAW_MODE_NAMES[mode]}
            </label>
          ))}
        </fieldset>
        {(tool === "brush" || tool === "eraser") && (
          <label>
            brush size{" "}
            <input type="range" aria-label="brush size" min={1} max={200} value={brushRadius} onChange={(e) => store.set({ brushRadius: Number(e.target.value) })} /> {brushRadius} px
          </label>
        )}
        <div className="row">{["undo", "redo"].map(button)}</div>
        <div className="row">{["previous", "next", "mark-null", "mark-reviewed"].map(button)}</div>
        <p className="muted" data-testid="image-status">status: {liveStatus(image.status, annotations.length)}</p>
        <ReviewPanel editor={editor} />
        <p role="status" data-testid="message">{message}</p>
        <p className="muted">Smart Polygon: {embedding || "unavailable"} · press ? for shortcuts</p>
        <label>
          detail{" "}
          <input type="range" aria-label="detail" min={0} max={1} step={0.05} value={detail} onChange={(e) => store.set({ detail: Number(e.target.value) })} />
        </label>
        <LabelAssist editor={editor} />
        <AnnotationList
          annotations={annotations}
          categories={categories}
          selected={selected}
          hidden={allHidden ? new Set(annotations.map((a) => a.id)) : hidden}
          locked={locked}
          onSelect={(id) => editor.select(id)}
          onToggleHidden={(id) => { store.set((s) => ({ hidden: toggled(s.hidden, id) })); if (id === selected) editor.select(null); }}
          onToggleLocked={(id) => store.set((s) => ({ locked: toggled(s.locked, id) }))}
          onReview={(a, keep) => editor.input.submit(() => editor.edits.review(a, keep).catch(report))}
        />
      </fieldset>
    </aside>
  );
}

/** For a role that may only look (a viewer): the image, its annotations, moving on; nothing that edits. */
function ReadOnlyPanel({ editor, back }: { editor: EditorController; back: ReactNode }) {
  const store = editor.store;
  const image = useStore(store, (s) => s.loaded?.image);
  const project = useStore(store, (s) => s.loaded?.project);
  const annotations = useStore(store, (s) => s.annotations);
  const selected = useStore(store, (s) => s.selected);
  const hidden = useStore(store, (s) => s.hidden);
  const allHidden = useStore(store, (s) => s.allHidden);
  const locked = useStore(store, (s) => s.locked);
  const message = useStore(store, (s) => s.message);
  if (!image || !project) return null;
  return (
    <aside className="panel" data-testid="read-only">
      <p>{back}</p>
      <h2>{image.file_name}</h2>
      <p className="badge">read-only: your role in this project ({project.role ?? "none"}) does not allow editing</p>
      <div className="row">
        {["previous", "next"].map((id) => (
          <button key={id} onClick={() => editor.input.submit(() => runButton(editor, id))}>{action(id).label}</button>
        ))}
      </div>
      <p className="muted" data-testid="image-status">status: {liveStatus(image.status, annotations.length)}</p>
      <p role="status" data-testid="message">{message}</p>
      <AnnotationList
        annotations={annotations}
        categories={project.categories}
        selected={selected}
        hidden={allHidden ? new Set(annotations.map((a) => a.id)) : hidden}
        locked={locked}
        onSelect={(id) => editor.select(id)}
        onToggleHidden={(id) => { store.set((s) => ({ hidden: toggled(s.hidden, id) })); if (id === selected) editor.select(null); }}
        onToggleLocked={(id) => store.set((s) => ({ locked: toggled(s.locked, id) }))}
      />
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
