// Video frames in the editor: the frame strip of the video the image is a frame of (annotated, pending and
// reviewed frames marked), stepping and playback through its frames, and propagation of the frame's annotations
// to the next (or previous) frames as a background job whose proposals are then reviewed frame by frame.

import { call, Schemas } from "../api";
import { FINISHED, Job, pipelineApi } from "../pipeline/api";
import type { EditorController } from "./controller";
import { Store } from "./store";

export type FrameStrip = Schemas["FrameStripOut"];
export type StripFrame = Schemas["StripFrameOut"];

export interface PropagateOptions {
  /** Frames to fill; null: up to the next frame a person has annotated or reviewed. */
  frames: number | null;
  direction: "forward" | "backward";
  propagator: string;
}

export interface VideoState {
  strip: FrameStrip | null;
  playing: boolean;
  options: PropagateOptions;
  /** A propagation job under way. */
  running: boolean;
}

export const videoApi = {
  strip: (imageId: number) => call<FrameStrip>("GET", `/images/${imageId}/video`),
  propagate: (imageId: number, annotationIds: number[], options: PropagateOptions) =>
    call<Job>("POST", `/images/${imageId}/propagate`, { annotation_ids: annotationIds, ...options }),
  interpolate: (annotationId: number) =>
    call<Schemas["InterpolatedOut"]>("POST", `/annotations/${annotationId}/interpolate`, {}),
};

const POLL_MS = 300;

/** The frame `step` frames away from `imageId` in the strip (null past either end). */
export function frameAt(strip: FrameStrip, imageId: number, step: number): number | null {
  const at = strip.frames.findIndex((f) => f.image_id === imageId);
  const target = strip.frames[at + step];
  return at < 0 || !target ? null : target.image_id;
}

/** How the strip marks a frame: reviewed (a person checked it), pending proposals, annotated, or nothing yet. */
export function frameMark(frame: StripFrame): "reviewed" | "pending" | "annotated" | "empty" {
  if (frame.status === "reviewed" || frame.status === "null") return "reviewed";
  if (frame.pending > 0) return "pending";
  return frame.annotations > 0 ? "annotated" : "empty";
}

export class VideoFrames {
  readonly store = new Store<VideoState>({
    strip: null, playing: false, running: false, options: { frames: 20, direction: "forward", propagator: "flow" },
  });
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly editor: EditorController) {}

  /** Fetch the strip when the image is a frame of a video (the same video's strip is kept while it refreshes). */
  async load(imageId: number, videoId: number | null | undefined): Promise<void> {
    if (videoId === null || videoId === undefined) { this.store.set({ strip: null }); this.stop(); return; }
    const strip = await videoApi.strip(imageId);
    if (this.editor.state.imageId === imageId) this.store.set({ strip });
  }

  /** The frame `step` frames away, or null when the image is no video frame (the editor then walks the project). */
  neighbour(step: number): number | null | undefined {
    const strip = this.store.get().strip;
    return strip ? frameAt(strip, this.editor.state.imageId, step) : undefined;
  }

  togglePlay(): void {
    if (this.store.get().playing) { this.stop(); return; }
    if (!this.store.get().strip) { this.editor.say("playback: this image is not a frame of a video"); return; }
    this.store.set({ playing: true });
    this.tick();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.store.set({ playing: false });
  }

  /** One frame on, at the video's sampled rate (at most 10 a second), until the last frame or a stop. */
  private tick(): void {
    const strip = this.store.get().strip;
    const next = this.neighbour(1);
    if (!strip || !this.store.get().playing || !next) { this.stop(); return; }
    const delay = 1000 / Math.min(10, Math.max(1, strip.video.sampled_fps));
    this.timer = setTimeout(() => this.editor.show(next).then(() => this.tick()), delay);
  }

  /** Carry the selected annotation (or every annotation of the frame) on, then show how it went. */
  async propagate(): Promise<void> {
    const { annotations, selected, imageId } = this.editor.state;
    const chosen = selected !== null ? [selected] : annotations.map((a) => a.id);
    if (!chosen.length) { this.editor.say("propagate: draw or select an annotation on this frame first"); return; }
    const { options } = this.store.get();
    this.store.set({ running: true });
    try {
      let job = await videoApi.propagate(imageId, chosen, options);
      while (!FINISHED.includes(job.status)) {
        const { done, total } = job.progress;
        this.editor.say(`propagating ${chosen.length} annotation(s): ${done ?? 0}/${total ?? "?"} frames`);
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
        job = await pipelineApi.job(job.id);
      }
      if (job.status !== "succeeded") throw new Error(`propagation ${job.status}: ${job.error ?? ""}`);
      const result = job.result as { proposals: number; frames: number; replaced: number };
      this.editor.say(`propagated: ${result.proposals} proposals on ${result.frames} frames (${result.replaced} unreviewed replaced)`);
    } finally {
      this.store.set({ running: false });
    }
    await this.load(imageId, this.editor.state.loaded?.image.video_id);
    await this.editor.reload();
  }

  /** Fill the frames between the selected annotation's keyframe and its track's next one (else its previous). */
  async interpolate(): Promise<void> {
    const { annotations, selected, imageId } = this.editor.state;
    const chosen = annotations.find((a) => a.id === selected);
    if (!chosen || chosen.track_id === null || chosen.track_id === undefined) {
      this.editor.say("interpolate: select an annotation of a track (one propagated, or a proposal of one) first");
      return;
    }
    const result = await videoApi.interpolate(chosen.id);
    this.editor.say(`interpolated: ${result.proposals} proposals on ${result.frames} frames (${result.replaced} unreviewed replaced)`);
    await this.load(imageId, this.editor.state.loaded?.image.video_id);
  }
}
