import { KeyboardEvent, useEffect, useMemo, useRef } from "react";
import { useNavigate, useSearchParams } from "react-router";
import { filtersFrom } from "../grid/filters";
import { runKey } from "./actions";
import { EditorController } from "./controller";
import { FrameStrip } from "./FrameStrip";
import { Panel } from "./Panel";
import { Stage } from "./Stage";
import { useStore } from "./store";

/**
 * The annotation editor for one image: a composition of the controller (state, tools, actions, server calls),
 * the stage (canvas) and the side panel. See ./controller for what happens on input.
 */
export function Editor({ imageId }: { imageId: number }) {
  const navigate = useNavigate();
  const editor = useMemo(() => new EditorController(imageId, navigate), []);
  const root = useRef<HTMLDivElement>(null);
  // queue mode (opened from "My queue"): next/previous and the moves after a review action walk that queue
  const [params] = useSearchParams();
  const queue = params.get("queue");
  editor.review.setQueue(queue === "annotate" || queue === "review" ? queue : null);
  // opened from a filtered grid (`?status=unannotated`): next / previous, "12 / 141" and the way back keep its filters
  editor.setGrid(filtersFrom(params));
  useEffect(() => { editor.open(imageId); }, [editor, imageId]);
  useEffect(() => () => editor.close(), [editor]);
  const loaded = useStore(editor.store, (s) => s.loaded);
  const message = useStore(editor.store, (s) => (s.loaded ? "" : s.message)); // only while nothing is shown yet
  // shortcuts work as soon as an image opens (and after next/previous), without a click on the stage first
  useEffect(() => root.current?.focus({ preventScroll: true }), [loaded]);

  function keyDown(event: KeyboardEvent) {
    if (event.target instanceof HTMLInputElement || event.target instanceof HTMLSelectElement) return;
    // Tab cycles annotations: the browser must not move the focus, decided now, even if the key waits its turn
    if (event.key === "Tab") event.preventDefault();
    editor.input.submit(() => runKey(editor, event));
  }

  function keyUp(event: KeyboardEvent) {
    if (event.key === " ") editor.input.submit(() => editor.holdSpace(false));
  }

  if (!loaded) return <p>{message || "loading…"}</p>;
  const project = loaded.project.name;
  const back = (
    <a href="#" onClick={(e) => { e.preventDefault(); navigate(`/projects/${encodeURIComponent(project)}${editor.gridSearch}`); }}>← {project}</a>
  );
  return (
    <div className="editor" ref={root} tabIndex={0} onKeyDown={keyDown} onKeyUp={keyUp} onBlur={() => editor.holdSpace(false)} data-testid="editor">
      <div className="stage-column">
        <Stage editor={editor} />
        <FrameStrip editor={editor} />
      </div>
      <Panel editor={editor} back={back} />
    </div>
  );
}
