import { nearestVertex } from "../geometry";
import { PointerInfo, StateNode, ToolHost } from "./stateNode";

/** Polygon: click to add points; click the first point or press Enter to close; Escape drops the draft. */
export class PolygonTool extends StateNode {
  constructor(host: ToolHost) {
    super(host);
    this.children = { idle: new PolygonIdle(host, this), drawing: new PolygonDrawing(host, this) };
  }

  protected onExit(): void {
    this.host.store.set({ draft: [] });
  }
}

class PolygonIdle extends StateNode {
  onPointerDown({ point }: PointerInfo) {
    this.host.store.set({ draft: [point] });
    this.parent!.transition("drawing");
  }
}

class PolygonDrawing extends StateNode {
  onPointerDown({ point }: PointerInfo) {
    const { draft, view } = this.state;
    if (draft.length >= 3 && nearestVertex(point, [draft[0]], 8 / view.zoom) === 0) return this.onComplete();
    this.host.store.set({ draft: [...draft, point] });
    return null;
  }

  async onComplete() {
    const ring = this.state.draft;
    if (ring.length < 3) return;
    this.onCancel();
    await this.host.commitDrawn([{ exterior: ring, holes: [] }], "polygon");
  }

  onCancel() {
    this.host.store.set({ draft: [] });
    this.parent!.transition("idle");
  }
}
