import { PointerInfo, StateNode, ToolHost } from "./stateNode";

/** Brush (or eraser): paint onto / erase from the selected annotation; the brush alone starts a new one. */
export class BrushTool extends StateNode {
  constructor(host: ToolHost, readonly erase: boolean) {
    super(host);
    this.children = { idle: new BrushIdle(host, this), painting: new BrushPainting(host, this) };
  }

  protected onExit(): void {
    this.host.store.set({ stroke: null, cursor: null });
  }

  onPointerMove({ point }: PointerInfo) {
    this.host.store.set({ cursor: point });
  }

  onPointerLeave() {
    this.host.store.set({ cursor: null });
  }
}

class BrushIdle extends StateNode {
  onPointerDown({ point }: PointerInfo) {
    this.host.store.set({ stroke: [point] });
    this.parent!.transition("painting");
  }
}

class BrushPainting extends StateNode {
  onPointerMove({ point }: PointerInfo) {
    this.host.store.set((s) => ({ stroke: [...(s.stroke ?? []), point], cursor: point }));
  }

  async onPointerUp() {
    const path = this.state.stroke ?? [];
    this.host.store.set({ stroke: null });
    this.parent!.transition("idle");
    await this.host.finishStroke(path, (this.parent as BrushTool).erase);
  }
}
