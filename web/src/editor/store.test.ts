import { describe, expect, it } from "vitest";
import { Store } from "./store";

describe("store", () => {
  it("merges changes, tells subscribers, and stops telling them once unsubscribed", () => {
    const store = new Store({ zoom: 1, cursor: [0, 0] as [number, number] });
    const seen: number[] = [];
    const stop = store.subscribe(() => seen.push(store.get().zoom));
    const before = store.get();
    store.set({ zoom: 2 });
    store.set((s) => ({ zoom: s.zoom * 2 }));
    expect(store.get().cursor).toBe(before.cursor); // untouched slices keep their identity: no re-render for them
    stop();
    store.set({ zoom: 8 });
    expect(seen).toEqual([2, 4]);
  });
});
