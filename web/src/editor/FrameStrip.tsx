import { action } from "./actions";
import type { EditorController } from "./controller";
import { useStore } from "./store";
import { frameMark } from "./video";

/** Under the stage, for a frame of a video: every frame as a cell (marked reviewed, pending proposals, annotated),
 * playback, and the propagation controls. Reads only the video's store, so editing never re-renders it. */
export function FrameStrip({ editor }: { editor: EditorController }) {
  const video = editor.video;
  const strip = useStore(video.store, (s) => s.strip);
  const playing = useStore(video.store, (s) => s.playing);
  const running = useStore(video.store, (s) => s.running);
  const options = useStore(video.store, (s) => s.options);
  const imageId = useStore(editor.store, (s) => s.imageId);
  if (!strip) return null;
  const set = (change: Partial<typeof options>) => video.store.set({ options: { ...options, ...change } });
  const at = strip.frames.findIndex((f) => f.image_id === imageId);
  return (
    <div className="frame-strip" data-testid="frame-strip">
      <div className="row">
        <button title={action("play").help} onClick={() => video.togglePlay()}>{playing ? "❚❚ pause" : "▶ play"}</button>
        <span className="muted" data-testid="frame-position">
          {strip.video.file_name} · frame {at + 1} / {strip.frames.length}
        </span>
        <span className="propagate">
          <select aria-label="how far" value={options.frames === null ? "next" : "frames"}
            onChange={(e) => set({ frames: e.target.value === "next" ? null : 20 })}>
            <option value="frames">frames:</option>
            <option value="next">to the next annotated frame</option>
          </select>{" "}
          {options.frames !== null && (
            <input aria-label="frames to propagate" type="number" min={1} defaultValue={options.frames} style={{ width: 60 }}
              onChange={(e) => { const n = Math.floor(Number(e.target.value)); if (n >= 1) set({ frames: n }); }} />
          )}{" "}
          <select aria-label="direction" value={options.direction} onChange={(e) => set({ direction: e.target.value as "forward" | "backward" })}>
            <option value="forward">forward</option>
            <option value="backward">backward</option>
          </select>{" "}
          <select aria-label="propagator" value={options.propagator} onChange={(e) => set({ propagator: e.target.value })}>
            {strip.propagators.map((name) => <option key={name} value={name}>{name}</option>)}
          </select>{" "}
          <button title={action("propagate").help} disabled={running || editor.readOnly}
            onClick={() => editor.input.submit(() => video.propagate())}>{action("propagate").label}</button>{" "}
          <button title={action("interpolate").help} disabled={running || editor.readOnly}
            onClick={() => editor.input.submit(() => video.interpolate())}>{action("interpolate").label}</button>
        </span>
      </div>
      <ol className="frames">
        {strip.frames.map((frame) => (
          <li key={frame.image_id} className={`${frameMark(frame)}${frame.image_id === imageId ? " current" : ""}`}
            data-testid={`frame-${frame.frame_index}`} data-mark={frameMark(frame)}
            title={`frame ${frame.frame_index}: ${frame.annotations} annotations, ${frame.pending} to review`}
            onClick={() => editor.input.submit(() => editor.show(frame.image_id))} />
        ))}
      </ol>
    </div>
  );
}
