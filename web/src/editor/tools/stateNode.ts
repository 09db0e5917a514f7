// Tools as small state machines, after tldraw's StateNode: the active tool gets every pointer event and hands it
// to its current state, which does its part and decides the next state. A tool's states are its children.

import { Annotation } from "../../api";
import { Point, Shape } from "../geometry";
import { SmartPrompt, EditorState } from "../state";
import { Store } from "../store";

/** A pointer event, already in image coordinates. */
export interface PointerInfo {
  point: Point;
  /** Page coordinates: distances on screen (a click that wobbles a pixel is not a drag). */
  client: Point;
  shift: boolean;
}

/** What the tools may ask of the editor: its store, and the edits that go to the server. */
export interface ToolHost {
  readonly store: Store<EditorState>;
  select(id: number | null): void;
  /** A finished polygon or Smart Polygon: a new annotation, or a part added to / a hole cut in the selected one. */
  commitDrawn(shapes: Shape[], what: string): Promise<void>;
  finishStroke(path: Point[], erase: boolean): Promise<void>;
  reshape(current: Annotation, result: Shape[], label: string): Promise<void>;
  askSmart(points: SmartPrompt["points"], box: number[] | null): Promise<void>;
  /** Smart Polygon's hover preview for this point (one request at a time, the latest point waits). */
  hover(point: Point): void;
}

export type ToolEvent = "pointerDown" | "pointerMove" | "pointerUp" | "doubleClick" | "pointerLeave";

export abstract class StateNode {
  /** Child states by id; the first is where the node starts. */
  protected children: Record<string, StateNode> = {};
  private current: StateNode | null = null;

  constructor(protected readonly host: ToolHost, protected readonly parent: StateNode | null = null) {}

  get state(): EditorState {
    return this.host.store.get();
  }

  /** The id of the active state, down the tree (`"idle"`, `"drawing"`, ...): for tests and the stage's class. */
  get path(): string[] {
    const id = Object.entries(this.parent?.children ?? {}).find(([, node]) => node === this)?.[0];
    return [...(id ? [id] : []), ...(this.current?.path ?? [])];
  }

  enter(info?: unknown): void {
    this.onEnter(info);
    const first = Object.values(this.children)[0];
    this.current = first ?? null;
    first?.enter(info);
  }

  exit(): void {
    this.current?.exit();
    this.onExit();
  }

  /** Go to another child state of this node (called by a state on its parent). */
  transition(id: string, info?: unknown): void {
    const next = this.children[id];
    if (!next) throw new Error(`no state ${id}`);
    this.current?.exit();
    this.current = next;
    next.enter(info);
  }

  /** An event goes to the deepest active state that handles it; `undefined` when none does. */
  handle(event: ToolEvent | "complete" | "cancel", info?: PointerInfo): unknown {
    if (this.current) {
      const handled = this.current.handle(event, info);
      if (handled !== undefined) return handled;
    }
    const handler = this[`on${event[0].toUpperCase()}${event.slice(1)}` as keyof this];
    return typeof handler === "function" ? handler.call(this, info) ?? null : undefined;
  }

  protected onEnter(_info?: unknown): void {}
  protected onExit(): void {}
}
