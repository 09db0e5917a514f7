import { insertVertex, moveVertex, Point } from "../geometry";
import { pickAt } from "../sceneIndex";
import { findEdge, findVertex, removeVertex, replaceRing, ringAt, translateShapes, VertexHit } from "../shapes";
import { editable, shapesFor } from "../state";
import { PointerInfo, StateNode, ToolHost } from "./stateNode";

/** Select: click an annotation; drag it to move it; drag a vertex; double-click an edge / a vertex to add / remove one. */
export class SelectTool extends StateNode {
  constructor(host: ToolHost) {
    super(host);
    this.children = {
      idle: new SelectIdle(host, this),
      translating: new Translating(host, this),
      draggingVertex: new DraggingVertex(host, this),
    };
  }

  protected onExit(): void {
    this.host.store.set({ override: null });
  }
}

class SelectIdle extends StateNode {
  onPointerDown({ point, client }: PointerInfo) {
    const s = this.state;
    const current = editable(s);
    const vertex = current ? findVertex(shapesFor(s, current.id), point, 8 / s.view.zoom) : null;
    if (current && vertex) {
      this.host.store.set({ selectedVertex: vertex });
      this.parent!.transition("draggingVertex", vertex);
      return;
    }
    const hit = pickAt(s, point);
    this.host.select(hit?.id ?? null);
    if (hit) this.parent!.transition("translating", { point, client });
  }

  async onDoubleClick({ point }: PointerInfo) {
    const s = this.state;
    const current = editable(s);
    if (!current) return;
    const own = shapesFor(s, current.id);
    const vertex = findVertex(own, point, 8 / s.view.zoom);
    if (vertex) {
      await this.host.reshape(current, removeVertex(own, vertex), "remove vertex");
      this.host.store.set({ selectedVertex: null });
      return;
    }
    const edge = findEdge(own, point, 8 / s.view.zoom);
    if (edge) {
      await this.host.reshape(current, replaceRing(own, edge, insertVertex(ringAt(own, edge), edge.index, edge.at)), "add vertex");
      this.host.store.set({ selectedVertex: { part: edge.part, hole: edge.hole, index: edge.index + 1 } });
    }
  }
}

/** Releasing saves what the drag made, if it made anything; the preview stays until the saved shape is back. */
abstract class Dragging extends StateNode {
  protected abstract readonly label: string;

  async onPointerUp() {
    const s = this.state;
    const current = s.annotations.find((a) => a.id === s.selected);
    const result = s.override;
    this.parent!.transition("idle");
    if (!current || !result) return;
    try {
      await this.host.reshape(current, result, this.label);
    } finally {
      this.host.store.set({ override: null });
    }
  }
}

class Translating extends Dragging {
  protected readonly label = "move";
  private start: { point: Point; client: Point } = { point: [0, 0], client: [0, 0] };

  protected onEnter(start: unknown) {
    this.start = start as Translating["start"];
  }

  onPointerMove({ point, client }: PointerInfo) {
    const s = this.state;
    const [dx, dy] = [point[0] - this.start.point[0], point[1] - this.start.point[1]];
    // a click that wobbles a pixel selects; it does not move the annotation
    const moved = Math.hypot(client[0] - this.start.client[0], client[1] - this.start.client[1]) >= 3;
    if (s.override || moved) this.host.store.set({ override: translateShapes(shapesFor(s, s.selected ?? -1), dx, dy) });
  }
}

class DraggingVertex extends Dragging {
  protected readonly label = "move vertex";
  private hit: VertexHit = { part: 0, hole: -1, index: 0 };

  protected onEnter(hit: unknown) {
    this.hit = hit as VertexHit;
  }

  onPointerMove({ point }: PointerInfo) {
    const own = shapesFor(this.state, this.state.selected ?? -1);
    this.host.store.set({ override: replaceRing(own, this.hit, moveVertex(ringAt(own, this.hit), this.hit.index, point)) });
  }
}
