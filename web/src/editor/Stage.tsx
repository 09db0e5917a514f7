import { useEffect, useRef } from "react";
import { colorOf } from "../colors";
import type { EditorController } from "./controller";
import { HelpOverlay } from "./HelpOverlay";
import { AnnotationLayer, LayerContents, LayerItem } from "./layers";
import { DrawnAnnotation, drawScene } from "./render";
import { Bounds, boundsOf, sceneIndex } from "./sceneIndex";
import { EditorState, isReady, isVisible } from "./state";
import { useStore } from "./store";

/** The layer's contents, made again only when what it shows changes (not when the view or the pointer does). */
let made: { key: unknown[]; contents: LayerContents } | null = null;
function layerContents(s: EditorState): LayerContents {
  const loaded = s.loaded!;
  const key = [s.annotations, s.shapes, s.hidden, s.allHidden, s.locked, s.selected, loaded.project.categories, loaded.image];
  if (made && made.key.every((value, i) => value === key[i])) return made.contents;
  const categories = loaded.project.categories;
  const items: LayerItem[] = s.annotations.filter((a) => a.id !== s.selected && isVisible(s, a)).map((a) => {
    const shapes = s.shapes.get(a.id) ?? [];
    return { id: a.id, shapes, bounds: boundsOf(shapes), color: colorOf(categories, a.category_id), locked: s.locked.has(a.id) };
  });
  const extent: Bounds = [0, 0, loaded.image.width, loaded.image.height];
  made = { key, contents: { items, extent } };
  sceneIndex(s); // the picking index of the same annotations, built now rather than on the next click
  return made.contents;
}

function draw(canvas: HTMLCanvasElement, s: EditorState, layer: AnnotationLayer): void {
  if (!s.loaded) return;
  const started = performance.now();
  const categories = s.loaded.project.categories;
  const live = s.annotations.find((a) => a.id === s.selected);
  const annotations: DrawnAnnotation[] = live && isVisible(s, live) ? [live].map((a) => {
    const own = s.override ?? s.shapes.get(a.id) ?? [];
    return { id: a.id, shapes: own, bounds: boundsOf(own), color: colorOf(categories, a.category_id) };
  }) : [];
  // the annotation under the pointer (here or in the list) is drawn again on top, outlined
  const hovered = s.hovered !== s.selected ? s.annotations.find((a) => a.id === s.hovered) : undefined;
  if (hovered && isVisible(s, hovered)) {
    const own = s.shapes.get(hovered.id) ?? [];
    annotations.push({ id: hovered.id, shapes: own, bounds: boundsOf(own), color: colorOf(categories, hovered.category_id), highlighted: true });
  }
  const erase = s.tool === "eraser";
  drawScene(canvas, {
    picture: s.loaded.picture,
    view: s.view,
    layer: { layer, contents: layerContents(s) },
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
      if (!frame) frame = requestAnimationFrame(() => { frame = 0; draw(element, editor.store.get(), layer); });
    };
    const layer = new AnnotationLayer(redraw);
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
