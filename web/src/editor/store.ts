// A tiny subscribable store, outside React: the editor's document, selection and view live here. The canvas
// subscribes and redraws; React panels subscribe to the slices they show (`useStore` with a selector), so a
// change they do not show — the cursor, a stroke being painted, a pan — never re-renders them.

import { useSyncExternalStore } from "react";

export class Store<T extends object> {
  private listeners = new Set<() => void>();

  constructor(private state: T) {}

  get(): T {
    return this.state;
  }

  /** Merge a change into the state (a new object: selectors compare by identity) and tell every listener. */
  set(change: Partial<T> | ((state: T) => Partial<T>)): void {
    const patch = typeof change === "function" ? change(this.state) : change;
    this.state = { ...this.state, ...patch };
    this.listeners.forEach((listener) => listener());
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };
}

/** One slice of a store in a React component: it re-renders only when that slice changes (by `Object.is`). */
export function useStore<T extends object, S>(store: Store<T>, selector: (state: T) => S): S {
  return useSyncExternalStore(store.subscribe, () => selector(store.get()));
}
