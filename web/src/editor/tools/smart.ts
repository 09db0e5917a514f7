import { Point } from "../geometry";
import { NO_PROMPT } from "../state";
import { PointerInfo, StateNode, ToolHost } from "./stateNode";

/**
 * Smart Polygon: hovering previews the mask a click would give; a click adds a point (Shift: outside), a drag
 * draws a box; each refines the prompt; Enter accepts the preview, Escape drops it.
 */
export class SmartTool extends StateNode {
  constructor(host: ToolHost) {
    super(host);
    this.children = {
      idle: new SmartIdle(host, this),
      pointing: new SmartPointing(host, this),
      prompted: new SmartPrompted(host, this),
    };
  }

  protected onExit(): void {
    this.host.store.set({ prompt: NO_PROMPT, hoverPreview: [], boxDraft: null });
  }

  onPointerDown({ point }: PointerInfo) {
    this.transition("pointing", point);
  }

  async onComplete() {
    const shapes = this.state.prompt.preview;
    if (!shapes.length) return;
    this.onCancel();
    await this.host.commitDrawn(shapes, "smart polygon");
  }

  onCancel() {
    this.host.store.set({ prompt: NO_PROMPT, boxDraft: null });
    this.transition("idle");
  }
}

/** No prompt yet: the cursor's position is previewed. */
class SmartIdle extends StateNode {
  onPointerMove({ point }: PointerInfo) {
    if (this.state.embedding === "ready") this.host.hover(point);
  }

  onPointerLeave() {
    this.host.store.set({ hoverPreview: [] });
  }
}

/** The button is down: a drag draws a box prompt, a click adds a point. */
class SmartPointing extends StateNode {
  private start: Point = [0, 0];

  protected onEnter(start: unknown) {
    this.start = start as Point;
    this.host.store.set({ hoverPreview: [] });
  }

  onPointerMove({ point }: PointerInfo) {
    this.host.store.set({ boxDraft: [this.start, point] });
  }

  async onPointerUp({ point, shift }: PointerInfo) {
    const { prompt, view } = this.state;
    const start = this.start;
    this.host.store.set({ boxDraft: null });
    this.parent!.transition("prompted");
    if (Math.hypot(point[0] - start[0], point[1] - start[1]) * view.zoom < 5) {
      await this.host.askSmart([...prompt.points, { x: start[0], y: start[1], label: shift ? 0 : 1 }], prompt.box);
    } else {
      const box = [Math.min(start[0], point[0]), Math.min(start[1], point[1]), Math.max(start[0], point[0]), Math.max(start[1], point[1])];
      await this.host.askSmart(prompt.points, box);
    }
  }
}

/** A prompt and its preview: more clicks or a box refine it. */
class SmartPrompted extends StateNode {}
