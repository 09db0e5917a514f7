import { useEffect, useRef } from "react";
import { colorOf } from "../colors";
import type { EditorController } from "./controller";
import { bounds, Shape } from "./geometry";
import { HelpOverlay } from "./HelpOverlay";
import { DrawnAnnotation, drawScene } from "./render";
import { EditorState, isReady, isVisible } from "./state";
import { useStore } from "./store";

/** Each annotation's bounds, computed once per load of the annotations (not per frame). */
const boundsCache = new WeakMap<Shape[], [number, number, number, number]>();
function boundsOf(shapes: Shape[]): [number, number, number, number] {
  let found = boundsCache.get(shapes);
  if (!found) {
    found = shapes.length ? bounds(shapes.map((s) => s.exterior)) : [0, 0, 0, 0];
    boundsCache.set(shapes, found);
  }
  return found;
}

function draw(canvas: HTMLCanvasElement, s: EditorState): void {
  if (!s.loaded) return;
  const categories = s.loaded.project.categories;
  const annotations: DrawnAnnotation[] = s.annotations.filter((a) => isVisible(s, a)).map((a) => {
    const own = a.id === s.selected && s.override ? s.override : s.shapes.get(a.id) ?? [];
    return { id: a.id, shapes: own, bounds: boundsOf(own), color: colorOf(categories, a.category_id) };
  });
  const started = performance.now();
  const erase = s.tool === "eraser";
  drawScene(canvas, {
    picture: s.loaded.picture,
    view: s.view,
    annotations,
    selected: s.selected,
    selectedVertex: s.selectedVertex,
    locked: s.locked,
    draft: s.draft,
    smartPreview: s.prompt.preview,
    hoverPreview: s.tool === "smart" ? s.hoverPreview : [],
    box: s.boxDraft ? [...s.boxDraft[0], ...s.boxDraft[1]] : s.prompt.box,
    points: s.prompt.points,
    stroke: s.stroke && { path: s.stroke, radius: s.brushRadius, erase },
    brushCursor: (s.tool === "brush" || erase) && s.cursor ? { at: s.cursor, radius: s.brushRadius, erase } : null,
  });
  performance.measure("seglab-draw", { start: started }); // read by benchmarks/editor_frame_time.py
}

/**
 * The canvas: redrawn from the store at most once per animation frame, outside React (a pointer move changes the
 * store and the canvas, and nothing else). Pointer events go to the controller through its input queue.
 */
export function Stage({ editor }: { editor: EditorController }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const tool = useStore(editor.store, (s) => s.tool);
  const embedding = useStore(editor.store, (s) => s.embedding);
  const ready = useStore(editor.store, isReady);
  const help = useStore(editor.store, (s) => s.help);

  useEffect(() => {
    const element = canvas.current!;
    editor.attach(element);
    let frame = 0;
    const redraw = () => {
      if (!frame) frame = requestAnimationFrame(() => { frame = 0; draw(element, editor.store.get()); });
    };
    redraw();
    const stop = editor.store.subscribe(redraw);
    return () => { stop(); cancelAnimationFrame(frame); editor.attach(null); };
  }, [editor]);

  const queue = editor.input;
  return (
    <div className={`stage tool-${tool}`}>
      <canvas
        ref={canvas}
        data-testid="stage"
        onMouseDown={(e) => queue.submit(() => editor.pointerDown(e))}
        onMouseMove={(e) => queue.submit(() => editor.pointerMove(e))}
        onMouseUp={(e) => queue.submit(() => editor.pointerUp(e))}
        onMouseLeave={() => queue.submit(() => editor.pointerLeave())}
        onDoubleClick={(e) => queue.submit(() => editor.doubleClick(e))}
        onWheel={(e) => editor.zoom(e)}
        onContextMenu={(e) => e.preventDefault()}
      />
      {tool === "smart" && embedding === "computing" && <div className="notice">computing the image embedding…</div>}
      {!ready && <div className="notice loading" data-testid="loading">loading the image…</div>}
      {help && <HelpOverlay />}
    </div>
  );
}
